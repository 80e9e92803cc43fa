package dev.turnout.mongo;

import static dev.turnout.mongo.MongoToolsSimFactsTest.assertSummary;
import static dev.turnout.mongo.MongoToolsSimFactsTest.mongo;
import static dev.turnout.mongo.MongoToolsSimFactsTest.restore;
import static dev.turnout.mongo.MongoToolsSimFactsTest.seedAndDump;
import static org.assertj.core.api.Assertions.assertThat;

import dev.turnout.mongo.SimArchives.Oplog;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bson.Document;

/**
 * Rows of {@link MongoToolsSimFactsTest} about {@code mongorestore --oplogReplay}, each read from mongo-tools' source
 * (github.com/mongodb/mongo-tools, mongorestore/mongorestore.go and mongorestore/oplog.go; quoted in {@link
 * SimRestore} and {@link SimOplogReplay}). The simulated mongodump cannot take --oplog (the fixture is standalone), so
 * the archives come from {@link SimArchives#withOplog}, shaped as mongodump --oplog writes them.
 */
final class OplogFacts {
  private OplogFacts() {}

  /** app.items _id 0..2 as the collection dump read them; the oplog of the dump's window after them. */
  static byte[] dumpedWhileWritten(List<Document> extraOplog) {
    Map<String, List<Document>> colls = new LinkedHashMap<>();
    colls.put("app.items", List.of(doc(0), doc(1), doc(2)));
    List<Document> oplog = new java.util.ArrayList<>(List.of(
        Oplog.insert(100, 1, "app.items", doc(2)), // written before the collection was read: seen twice
        Oplog.noop(100, 2),
        Oplog.insert(101, 1, "app.items", doc(3)),
        Oplog.update(101, 2, "app.items", 0, new Document("n", 100)),
        Oplog.delete(102, 1, "app.items", 1),
        Oplog.insert(102, 2, "config.system.sessions", new Document("_id", "s1")),
        Oplog.command(103, 1, "app", new Document("create", "created"))));
    oplog.addAll(extraOplog);
    return SimArchives.withOplog(colls, oplog);
  }

  static Document doc(int id) {
    return new Document("_id", id).append("n", id);
  }

  /** mongorestore.go ParseAndValidateOptions: excludes and renames are refused like includes. */
  static void refusesExcludesAndRenames() throws Exception {
    byte[] archive = seedAndDump();
    mongo.reset();
    ToolRun ex = restore(mongo.uri(), archive, "--oplogReplay", "--nsExclude=other.*");
    assertThat(ex.exit()).as(ex.describe()).isEqualTo(1);
    assertThat(ex.messages()).contains("Failed: cannot use --oplogReplay with excludes specified");
    ToolRun ren = restore(mongo.uri(), archive, "--oplogReplay", "--nsFrom=app.*", "--nsTo=staging.*");
    assertThat(ren.exit()).as(ren.describe()).isEqualTo(1);
    assertThat(ren.messages()).contains("Failed: cannot use --oplogReplay with namespace renames specified");
    assertSummary(ren, 0, 0);
    assertThat(mongo.counts()).isEmpty();
  }

  /** mongorestore.go Restore(): no oplog intent -> "no oplog file to replay", before any collection is restored. */
  static void noOplogInTheArchive() throws Exception {
    byte[] archive = seedAndDump(); // the simulated mongodump of a standalone: no oplog
    mongo.reset();
    ToolRun r = restore(mongo.uri(), archive, "--oplogReplay");
    assertThat(r.exit()).as(r.describe()).isEqualTo(1);
    assertThat(r.messages()).contains("Failed: no oplog file to replay; make sure you run mongodump with --oplog");
    assertSummary(r, 0, 0);
    assertThat(mongo.counts()).isEmpty();
  }

  /**
   * oplog.go: entries applied after the collections, idempotently (the insert the collection dump already holds),
   * no-ops and config.system.sessions skipped and not counted; the summary counts the collections' documents only.
   */
  static void replayAppliesTheOplog() throws Exception {
    ToolRun r = restore(mongo.uri(), dumpedWhileWritten(List.of()), "--oplogReplay");
    assertThat(r.exit()).as(r.describe()).isZero();
    assertThat(r.messages()).as(r.describe()).contains("replaying oplog", "applied 5 oplog entries",
        "skipping applying the config.system.sessions namespace in applyOps");
    assertSummary(r, 3, 0);
    assertThat(mongo.counts()).isEqualTo(Map.of("app.items", 3L, "app.created", 0L));
    var items = mongo.client().getDatabase("app").getCollection("items");
    assertThat(items.find(new Document("_id", 0)).first()).containsEntry("n", 100);
    assertThat(items.find(new Document("_id", 1)).first()).isNull();
    assertThat(items.find(new Document("_id", 3)).first()).isNotNull();
  }

  /** filepath.go CreateAllIntents: without --oplogReplay the archive's oplog is read past (muted), never restored. */
  static void withoutReplayTheOplogIsSkipped() throws Exception {
    ToolRun r = restore(mongo.uri(), dumpedWhileWritten(List.of()));
    assertThat(r.exit()).as(r.describe()).isZero();
    assertThat(r.logged("replaying oplog")).isFalse();
    assertSummary(r, 3, 0);
    assertThat(mongo.counts()).isEqualTo(Map.of("app.items", 3L));
  }

  /** oplog.go HandleNonTxnOp: an unknown command fails the replay (exit 1); what was restored and applied stays. */
  static void unknownCommandFails() throws Exception {
    ToolRun r = restore(mongo.uri(), dumpedWhileWritten(List.of(Oplog.command(104, 1, "app", new Document("fooBar", 1)))),
        "--oplogReplay");
    assertThat(r.exit()).as(r.describe()).isEqualTo(1);
    assertThat(r.logged("Failed: restore error: error applying oplog: unknown oplog command name fooBar")).as(r.describe())
        .isTrue();
    assertSummary(r, 3, 0);
    assertThat(mongo.counts()).containsEntry("app.items", 3L).containsKey("app.created");
  }
}
