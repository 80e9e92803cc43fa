package dev.turnout.mongo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Pins the mongodump/mongorestore simulation to the facts of issue 11 (observed with the real mongo-tools 100.8 and
 * 100.11). Each row runs the simulated tools as processes, as the agent does, against a {@link MongoServerFixture}, and
 * checks exit code, stderr and what the server holds afterwards.
 */
class MongoToolsSimFactsTest {
  @TempDir static Path dir;
  static MongoServerFixture mongo;
  static MongoToolScripts.Tools tools;

  @BeforeAll
  static void start() throws Exception {
    mongo = new MongoServerFixture();
    tools = MongoToolScripts.install(dir.resolve("bin"));
  }

  @AfterAll
  static void stop() {
    mongo.close();
  }

  @BeforeEach
  void reset() {
    mongo.reset();
  }

  interface Check {
    void run() throws Exception;
  }

  record Fact(String fact, Check check) {
    @Override
    public String toString() {
      return fact;
    }
  }

  static Stream<Fact> facts() {
    return Stream.of(
        new Fact("dump: `done dumping db.coll (N documents)` per collection, also 0; full dumps have admin.system.version",
            MongoToolsSimFactsTest::dumpCounts),
        new Fact("URI path database narrows a dump like --db", MongoToolsSimFactsTest::uriDbNarrowsDump),
        new Fact("URI path database filters SOURCE namespaces: rename into it restores nothing, exit 0",
            MongoToolsSimFactsTest::uriDbFiltersSource),
        new Fact("--nsInclude on the source + --nsFrom/--nsTo restores into the new names only",
            MongoToolsSimFactsTest::includeSourceThenRename),
        new Fact("--nsInclude 'staging.*' with a rename app->staging matches nothing (exit 0)",
            MongoToolsSimFactsTest::includeOnDestinationMatchesNothing),
        new Fact("a bare --nsInclude app matches nothing (exit 0)", MongoToolsSimFactsTest::bareIncludeMatchesNothing),
        new Fact("the URI db is appended to includes (union)", MongoToolsSimFactsTest::uriDbUnionWithIncludes),
        new Fact("a rename without an include restores (with --drop: replaces) every other database too",
            MongoToolsSimFactsTest::renameWithoutIncludeRestoresEverything),
        new Fact("$var$ variables in --nsFrom/--nsTo", MongoToolsSimFactsTest::namedVariables),
        new Fact("duplicate _id without --drop: skipped, `continuing through error:`, exit 0, M > 0 in the summary",
            MongoToolsSimFactsTest::duplicatesContinue),
        new Fact("--stopOnError: exit 1, what was restored before stays", MongoToolsSimFactsTest::stopOnError),
        new Fact("truncated archive: exit 1 `archive io error`, collections restored so far stay",
            FailureFacts::truncatedKeepsEarlierCollections),
        new Fact("truncated archive with --drop: only the partial data comes back", FailureFacts::truncatedWithDrop),
        new Fact("a cut exactly at a collection boundary is detected", FailureFacts::cutAtBoundary),
        new Fact("flipped bytes: exit 1 `corruption found in archive`", FailureFacts::corruption),
        new Fact("--dryRun does not read the data and does not detect truncation", FailureFacts::dryRun),
        new Fact("mongodump --oplog on a standalone: exit 1 `error getting oplog start`, nothing written",
            FailureFacts::oplogStandalone),
        new Fact("mongodump --oplog only on full dumps", FailureFacts::oplogNeedsFullDump),
        new Fact("mongorestore --oplogReplay refuses includes (the URI db is one)", FailureFacts::oplogReplayRefusesIncludes),
        new Fact("mongorestore --oplogReplay refuses excludes and renames", OplogFacts::refusesExcludesAndRenames),
        new Fact("--oplogReplay of an archive without an oplog: exit 1 `no oplog file to replay`, nothing restored",
            OplogFacts::noOplogInTheArchive),
        new Fact("--oplogReplay applies the oplog after the collections, idempotently; no-ops and sessions skipped",
            OplogFacts::replayAppliesTheOplog),
        new Fact("without --oplogReplay the archive's oplog is skipped", OplogFacts::withoutReplayTheOplogIsSkipped),
        new Fact("--oplogReplay: an unknown oplog command fails the restore, exit 1", OplogFacts::unknownCommandFails),
        new Fact("mongodump of a database that does not exist: exit 0, valid empty archive",
            FailureFacts::missingDatabaseDump),
        new Fact("authentication errors echo the URI with its password; URI path is the authSource",
            FailureFacts::authErrorEchoesPassword),
        new Fact("unreachable server: exit 1 after the server selection timeout", FailureFacts::unreachable),
        new Fact("--version and indexes survive dump and restore", MongoToolsSimFactsTest::versionAndIndexes));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("facts")
  void fact(Fact f) throws Exception {
    f.check().run();
  }

  // ------------------------------------------------------------------------------------------------ helpers

  static ToolRun dump(String uri, String... args) throws Exception {
    List<String> a = new ArrayList<>(List.of("--archive", "--gzip"));
    a.addAll(Arrays.asList(args));
    return ToolRun.run(tools.mongodump(), uri, null, Map.of(), a);
  }

  static ToolRun restore(String uri, byte[] archive, String... args) throws Exception {
    List<String> a = new ArrayList<>(List.of("--archive", "--gzip"));
    a.addAll(Arrays.asList(args));
    return ToolRun.run(tools.mongorestore(), uri, archive, Map.of(), a);
  }

  /** app.items (5), app.empty (0), other.things (3); returns a full gzip'ed dump of it. */
  static byte[] seedAndDump() throws Exception {
    mongo.seed("app", "items", 5);
    mongo.seed("app", "empty", 0);
    mongo.seed("other", "things", 3);
    ToolRun d = dump(mongo.uri());
    assertThat(d.exit()).as(d.describe()).isZero();
    return d.stdout();
  }

  static void assertSummary(ToolRun r, long ok, long failed) {
    assertThat(r.messages()).as(r.describe())
        .last().isEqualTo(ok + " document(s) restored successfully. " + failed + " document(s) failed to restore.");
  }

  // ------------------------------------------------------------------------------------------------ facts

  static void dumpCounts() throws Exception {
    mongo.seed("app", "items", 5);
    mongo.seed("app", "empty", 0);
    ToolRun d = dump(mongo.uri());
    assertThat(d.exit()).as(d.describe()).isZero();
    assertThat(d.messages()).as(d.describe())
        .contains("done dumping app.items (5 documents)", "done dumping app.empty (0 documents)",
            "done dumping admin.system.version (1 document)");
    assertThat(d.stdout()).startsWith((byte) 0x1f, (byte) 0x8b); // --gzip
    ToolRun r = restore(mongo.uri(), d.stdout(), "--drop");
    // item 5: mongorestore never reports admin.system.version, so a count comparison with the dump fails
    assertThat(r.logged("finished restoring admin.system.version")).as(r.describe()).isFalse();
    assertThat(r.messages()).contains("finished restoring app.items (5 documents, 0 failures)");
  }

  static void uriDbNarrowsDump() throws Exception {
    mongo.seed("app", "items", 5);
    mongo.seed("other", "things", 3);
    ToolRun d = dump(mongo.uri("app"));
    assertThat(d.exit()).as(d.describe()).isZero();
    assertThat(d.messages()).as(d.describe()).filteredOn(m -> m.startsWith("done dumping"))
        .containsExactly("done dumping app.items (5 documents)");
  }

  static void uriDbFiltersSource() throws Exception {
    byte[] archive = seedAndDump();
    ToolRun r = restore(mongo.uri("staging"), archive, "--nsFrom=app.*", "--nsTo=staging.*");
    assertThat(r.exit()).as(r.describe()).isZero();
    assertSummary(r, 0, 0);
    assertThat(mongo.counts()).doesNotContainKeys("staging.items", "staging.empty");
  }

  static void includeSourceThenRename() throws Exception {
    byte[] archive = seedAndDump();
    ToolRun r = restore(mongo.uri(), archive, "--nsInclude=app.*", "--nsFrom=app.*", "--nsTo=staging.*");
    assertThat(r.exit()).as(r.describe()).isZero();
    assertThat(r.messages()).contains("finished restoring staging.items (5 documents, 0 failures)");
    assertSummary(r, 5, 0);
    assertThat(mongo.counts()).containsEntry("staging.items", 5L).containsEntry("staging.empty", 0L)
        .containsEntry("other.things", 3L).containsEntry("app.items", 5L);
  }

  static void includeOnDestinationMatchesNothing() throws Exception {
    byte[] archive = seedAndDump();
    ToolRun r = restore(mongo.uri(), archive, "--nsInclude", "staging.*", "--nsFrom", "app.*", "--nsTo", "staging.*");
    assertThat(r.exit()).as(r.describe()).isZero();
    assertSummary(r, 0, 0);
    assertThat(mongo.counts()).doesNotContainKey("staging.items");
  }

  static void bareIncludeMatchesNothing() throws Exception {
    byte[] archive = seedAndDump();
    mongo.reset();
    ToolRun r = restore(mongo.uri(), archive, "--nsInclude=app");
    assertThat(r.exit()).as(r.describe()).isZero();
    assertSummary(r, 0, 0);
    assertThat(mongo.counts()).isEmpty();
  }

  static void uriDbUnionWithIncludes() throws Exception {
    byte[] archive = seedAndDump();
    mongo.reset();
    ToolRun r = restore(mongo.uri("other"), archive, "--nsInclude=app.items");
    assertThat(r.exit()).as(r.describe()).isZero();
    assertSummary(r, 8, 0);
    assertThat(mongo.counts()).isEqualTo(Map.of("app.items", 5L, "other.things", 3L));
  }

  static void renameWithoutIncludeRestoresEverything() throws Exception {
    byte[] archive = seedAndDump();
    mongo.seed("other", "things", 100, 2); // written after the dump: --drop loses them
    ToolRun r = restore(mongo.uri(), archive, "--drop", "--nsFrom=app.*", "--nsTo=staging.*");
    assertThat(r.exit()).as(r.describe()).isZero();
    assertThat(r.messages()).contains("dropping collection other.things before restoring");
    assertThat(mongo.counts()).containsEntry("staging.items", 5L).containsEntry("other.things", 3L);
  }

  static void namedVariables() throws Exception {
    byte[] archive = seedAndDump();
    ToolRun r = restore(mongo.uri(), archive, "--nsInclude=app.items", "--nsFrom=$db$.$coll$", "--nsTo=staging.$coll$_from_$db$");
    assertThat(r.exit()).as(r.describe()).isZero();
    assertThat(mongo.counts()).containsEntry("staging.items_from_app", 5L);
  }

  static void duplicatesContinue() throws Exception {
    byte[] archive = seedAndDump();
    mongo.reset();
    mongo.client().getDatabase("app").getCollection("items").insertOne(new Document("_id", 3).append("n", "target's own"));
    ToolRun r = restore(mongo.uri(), archive, "--nsInclude=app.*");
    assertThat(r.exit()).as(r.describe()).isZero();
    assertThat(r.count("continuing through error: E11000 duplicate key error")).as(r.describe()).isEqualTo(1);
    assertThat(r.messages()).contains("finished restoring app.items (4 documents, 1 failure)");
    assertSummary(r, 4, 1);
    assertThat(mongo.client().getDatabase("app").getCollection("items").find(new Document("_id", 3)).first())
        .containsEntry("n", "target's own");
  }

  static void stopOnError() throws Exception {
    mongo.seed("app", "a", 1500);
    mongo.seed("app", "b", 5);
    byte[] archive = dump(mongo.uri()).stdout();
    mongo.reset();
    mongo.seed("app", "b", 2, 1); // _id 2 conflicts
    ToolRun r = restore(mongo.uri(), archive, "--stopOnError");
    assertThat(r.exit()).as(r.describe()).isEqualTo(1);
    assertThat(r.logged("Failed: app.b: error restoring from archive on stdin: E11000 duplicate key error")).as(r.describe()).isTrue();
    assertThat(mongo.counts()).containsEntry("app.a", 1500L).containsEntry("app.b", 3L); // _id 0, 1 and the target's 2
    assertSummary(r, 1502, 0);
  }

  static void versionAndIndexes() throws Exception {
    for (Path exe : List.of(tools.mongodump(), tools.mongorestore())) {
      ToolRun v = ToolRun.run(exe, mongo.uri(), null, Map.of(), List.of("--version"));
      assertThat(new String(v.stdout(), java.nio.charset.StandardCharsets.UTF_8).lines().findFirst())
          .hasValue(exe.getFileName() + " version: " + MongoToolsSim.VERSION);
    }
    mongo.seed("app", "items", 5);
    mongo.client().getDatabase("app").getCollection("items").createIndex(new Document("n", 1),
        new com.mongodb.client.model.IndexOptions().name("n_1").unique(true));
    byte[] archive = dump(mongo.uri()).stdout();
    mongo.reset();
    ToolRun r = restore(mongo.uri(), archive);
    assertThat(r.exit()).as(r.describe()).isZero();
    assertThat(mongo.indexNames("app", "items")).containsExactly("n_1");
  }

}
