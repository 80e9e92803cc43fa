package dev.turnout.backup.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Which namespaces a restore writes, where, and through which staging collection (issue 11, defects 1, 2, 5). */
class RestorePlanTest {
  /** A full dump of a server holding the app database, a second database, and the server's own. */
  static final Map<String, Long> FULL_DUMP = counts(
      "admin.system.version", 2, "admin.system.users", 3, "auto_author.users", 5, "auto_author.books", 20,
      "billing.invoices", 7, "config.system.sessions", 1, "auto_author.system.views", 1);

  static Stream<Arguments> plans() {
    return Stream.of(
        // defect 1: the staging refresh of k8s/examples/40-restore-staging.yaml renames auto_author into the staging db
        Arguments.of("staging refresh", FULL_DUMP, "auto_author.*", "auto_author_staging.*",
            Map.of("auto_author_staging.users", 5L, "auto_author_staging.books", 20L)),
        // defect 2: a rename restores only what it matches, never billing or admin users
        Arguments.of("rename of one collection", FULL_DUMP, "auto_author.users", "other.people",
            Map.of("other.people", 5L)),
        Arguments.of("variables", FULL_DUMP, "$db$.$coll$", "copy_$db$.$coll$",
            Map.of("copy_auto_author.users", 5L, "copy_auto_author.books", 20L, "copy_billing.invoices", 7L)),
        // defect 5: admin.system.version (in every full dump) and other system namespaces are never restored
        Arguments.of("no rename", FULL_DUMP, null, null,
            Map.of("auto_author.users", 5L, "auto_author.books", 20L, "billing.invoices", 7L)),
        Arguments.of("one-database dump", counts("app.items", 1000, "app.empty", 0), null, null,
            Map.of("app.items", 1000L, "app.empty", 0L)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("plans")
  void restoresExactlyTheRenamedNamespaces(
      String name, Map<String, Long> counts, String from, String to, Map<String, Long> expected) {
    RestorePlan plan = RestorePlan.of(counts, from, to, "ab12cd34");
    Map<String, Long> targets = new LinkedHashMap<>();
    plan.moves().forEach(m -> targets.put(m.target(), m.expectedDocuments()));
    assertThat(targets).isEqualTo(expected);
    assertThat(plan.skipped().keySet()).containsAll(
        counts.keySet().stream().filter(ns -> !plan.moves().stream().map(RestorePlan.Move::source).toList().contains(ns)).toList());
  }

  @Test
  void mongorestoreGetsExactNamespacesIntoStagingCollectionsOfTheTargetDatabase() {
    RestorePlan plan = RestorePlan.of(FULL_DUMP, "auto_author.*", "auto_author_staging.*", "ab12cd34");
    assertThat(plan.mongorestoreArgs()).containsExactly(
        "--nsInclude=auto_author.users", "--nsInclude=auto_author.books",
        "--nsFrom=auto_author.users", "--nsTo=auto_author_staging.__turnout_restore_ab12cd34.users",
        "--nsFrom=auto_author.books", "--nsTo=auto_author_staging.__turnout_restore_ab12cd34.books");
    // no pattern is left for mongorestore to interpret, so its source-namespace filtering cannot surprise
    assertThat(String.join(" ", plan.mongorestoreArgs())).doesNotContain("*").doesNotContain("$");
  }

  static Stream<Arguments> refused() {
    return Stream.of(
        Arguments.of("rename matching nothing", FULL_DUMP, "staging.*", "x.*", "matches none"),
        // issue 11: mongodump of a database that does not exist exits 0 with a valid, empty archive
        Arguments.of("empty dump", Map.of(), null, null, "lists no collections"),
        Arguments.of("only system namespaces", counts("admin.system.version", 2), null, null, "only system"),
        Arguments.of("two sources onto one target", counts("a.users", 1, "b.users", 2), "$db$.$coll$", "all.$coll$", "send both"),
        Arguments.of("nsTo variable nsFrom lacks", FULL_DUMP, "auto_author.*", "x.$coll$", "does not define"),
        Arguments.of("pattern characters in a name", counts("app.we*rd", 1), null, null, "reads as a pattern"),
        Arguments.of("too long for staging", counts("app." + "c".repeat(240), 1), null, null, "too long"),
        // mongodump names a time-series collection by its buckets; it cannot be renamed, so not staged: refused, not skipped
        Arguments.of("time-series collection", counts("app.system.buckets.weather", 10, "app.users", 1), null, null,
            "time-series collection app.weather"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refused")
  void refusesWithAClearMessage(String name, Map<String, Long> counts, String from, String to, String message) {
    assertThatThrownBy(() -> RestorePlan.of(counts, from, to, "ab12cd34"))
        .isInstanceOf(AgentException.class).hasMessageContaining(message);
  }

  @Test
  void namespacePatternsFollowMongorestore() {
    assertThat(new NamespacePattern("app.*").rename("app.users", "copy.*")).contains("copy.users");
    assertThat(new NamespacePattern("app.*").rename("apps.users", "copy.*")).isEmpty();
    // a bare database name matches no namespace (issue 11: "a bare --nsInclude app matches nothing")
    assertThat(new NamespacePattern("app").matches("app.users")).isFalse();
    assertThat(new NamespacePattern("a.b").matches("aXb")).as("'.' is literal").isFalse();
    assertThat(new NamespacePattern("$d$.pre_$c$").rename("x.pre_y", "$d$_2.$c$")).contains("x_2.y");
  }

  @Test
  void theUriDatabaseBecomesTheAuthSourceAndNeverFiltersTheTools() {
    record Row(String in, String forTools, String db) {}
    for (Row r : List.of(
        new Row("mongodb://u:p%40ss@h1:27017,h2/auto_author_staging", "mongodb://u:p%40ss@h1:27017,h2/?authSource=auto_author_staging", "auto_author_staging"),
        new Row("mongodb://u:p@h/app?authSource=admin&tls=true", "mongodb://u:p@h/?authSource=admin&tls=true", "app"),
        new Row("mongodb://h/app?replicaSet=rs0", "mongodb://h/?replicaSet=rs0", "app"),
        new Row("mongodb+srv://u:p@cluster0.example.net/?retryWrites=true", "mongodb+srv://u:p@cluster0.example.net/?retryWrites=true", null),
        // Atlas: the TXT record sets authSource=admin; an authSource from the path would override it
        new Row("mongodb+srv://u:p@cluster0.example.net/myapp", "mongodb+srv://u:p@cluster0.example.net/", "myapp"),
        // $external mechanisms fix their own source
        new Row("mongodb://h/app?authMechanism=MONGODB-X509&tls=true", "mongodb://h/?authMechanism=MONGODB-X509&tls=true", "app"),
        new Row("mongodb://u:p@h/app?authMechanism=SCRAM-SHA-256", "mongodb://u:p@h/?authMechanism=SCRAM-SHA-256&authSource=app", "app"),
        new Row("mongodb://h", "mongodb://h/", null))) {
      MongoUri u = MongoUri.parse(r.in());
      assertThat(u.forTools()).as(r.in()).isEqualTo(r.forTools());
      assertThat(u.databaseInPath().orElse(null)).as(r.in()).isEqualTo(r.db());
    }
    assertThat(MongoUri.parse("mongodb://backup:s3cr3t@h/app").toString()).doesNotContain("s3cr3t");
  }

  static Map<String, Long> counts(Object... kv) {
    Map<String, Long> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], ((Number) kv[i + 1]).longValue());
    }
    return m;
  }
}
