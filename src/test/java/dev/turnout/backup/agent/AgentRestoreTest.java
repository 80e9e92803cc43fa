package dev.turnout.backup.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.turnout.backup.catalog.BackupCatalog;
import dev.turnout.backup.catalog.BackupKeys;
import dev.turnout.backup.catalog.BackupManifest;
import dev.turnout.mongo.MongoServerFixture;
import dev.turnout.mongo.MongoToolScripts;
import dev.turnout.mongo.SimArchives;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The agent's backup and restore end to end against a real wire-protocol server (mongo-java-server), the mongodump /
 * mongorestore simulation pinned to the real tools' facts (MongoToolsSimFactsTest) and a real S3 API (S3Proxy). Each
 * test names the defect of issue 11 it guards; each asserts what the target server holds afterwards, not what a tool
 * printed.
 */
class AgentRestoreTest {
  static final Instant T0 = Instant.parse("2026-11-20T03:00:00Z");
  static final String KEY = "prod/2026-11-20T03-00-00Z.archive.gz";
  static S3TestServer s3server;
  static MongoToolScripts.Tools tools;

  @TempDir static Path toolDir;
  MongoServerFixture prod;
  MongoServerFixture target;
  String bucket;
  S3Client s3;

  @BeforeAll
  static void start() throws Exception {
    s3server = new S3TestServer();
    tools = MongoToolScripts.install(toolDir);
  }

  @AfterAll
  static void stop() throws Exception {
    s3server.close();
  }

  @BeforeEach
  void setUp() {
    prod = new MongoServerFixture();
    target = new MongoServerFixture();
    bucket = s3server.newBucket();
    s3 = s3server.settings(bucket, "prod/").newClient();
    prod.seed("auto_author", "users", 5);
    prod.seed("auto_author", "books", 20);
    prod.seed("billing", "invoices", 7);
  }

  @AfterEach
  void tearDown() {
    prod.close();
    target.close();
  }

  record Run(int rc, String stdout, String stderr) {
    JsonNode result() throws Exception {
      List<String> lines = stdout.lines().toList();
      return new ObjectMapper().readTree(lines.get(lines.size() - 1));
    }
  }

  Map<String, String> env(String mongoUri) {
    Map<String, String> env = new HashMap<>();
    env.put("MONGODB_URI", mongoUri);
    env.put("AWS_ACCESS_KEY_ID", S3TestServer.ACCESS_KEY);
    env.put("AWS_SECRET_ACCESS_KEY", S3TestServer.SECRET_KEY);
    env.put("S3_ENDPOINT", s3server.endpoint());
    env.put("S3_REGION", "eu-west-1");
    env.put("S3_BUCKET", bucket);
    env.put("S3_PREFIX", "prod/");
    env.put("S3_FORCE_PATH_STYLE", "true");
    env.put("MONGODUMP", tools.mongodump().toString());
    env.put("MONGORESTORE", tools.mongorestore().toString());
    env.put("MONGO_SERVER_SELECTION_TIMEOUT_MS", "3000");
    return env;
  }

  static Run run(Map<String, String> env, String command) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int rc = AgentMain.run(new String[] {command}, env, Clock.fixed(T0, ZoneOffset.UTC), new PrintStream(out, true),
        new PrintStream(err, true));
    return new Run(rc, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** A verified full backup of prod, as the scheduled Job makes it. */
  void backup() {
    Run r = run(env(prod.uri()), "backup-and-verify");
    assertThat(r.rc).as(r.stderr).isZero();
  }

  Map<String, String> restoreEnv(String uri, boolean drop, String from, String to) {
    Map<String, String> env = env(uri);
    env.put("OBJECT", KEY);
    env.put("DROP", String.valueOf(drop));
    env.put("RESTORE_ID", "0a1b2c3d-0000-4000-8000-000000000000");
    if (from != null) {
      env.put("NS_FROM", from);
      env.put("NS_TO", to);
    }
    return env;
  }

  @Test
  void theStagingRefreshRestoresTheRenamedDatabaseAndNothingElse() throws Exception {
    // defects 1 and 2: k8s/examples/40-restore-staging.yaml, a target URI naming the staging database
    backup();
    target.seed("auto_author_staging", "users", 3); // last week's staging data: replaced
    target.seed("other", "keep", 2); // not in the plan: untouched
    Run r = run(restoreEnv(target.uri("auto_author_staging"), true, "auto_author.*", "auto_author_staging.*"), "restore");
    assertThat(r.rc).as(r.stderr).isZero();
    assertThat(target.counts()).isEqualTo(Map.of(
        "auto_author_staging.users", 5L, "auto_author_staging.books", 20L, "other.keep", 2L));
    JsonNode res = r.result();
    assertThat(res.get("ok").asBoolean()).isTrue();
    assertThat(res.get("object").asText()).isEqualTo(KEY);
    assertThat(res.get("documents").asLong()).isEqualTo(25);
    assertThat(res.get("restored").get("auto_author_staging.books").asLong()).isEqualTo(20);
  }

  @Test
  void aTargetUriDatabaseThatTheRestoreWouldNotWriteIsRefused() {
    // defect 1's other half: without the rename, real mongorestore would restore nothing and exit 0
    backup();
    Run r = run(restoreEnv(target.uri("auto_author_staging"), true, null, null), "restore");
    assertThat(r.rc).isEqualTo(2);
    assertThat(r.stderr).contains("the target URI names database auto_author_staging")
        .contains("nsFrom: 'auto_author.*', nsTo: 'auto_author_staging.*'");
    assertThat(target.counts()).isEmpty();
  }

  @Test
  void withoutDropAnExistingCollectionFailsTheRestoreBeforeAnythingIsWritten() throws Exception {
    backup();
    target.seed("auto_author", "users", 3);
    Run r = run(restoreEnv(target.uri(), false, null, null), "restore");
    assertThat(r.rc).isEqualTo(1);
    assertThat(r.stderr).contains("already has auto_author.users (3 documents) and drop is false");
    assertThat(target.counts()).isEqualTo(Map.of("auto_author.users", 3L));
    assertThat(r.result().get("targetUnchanged").asBoolean()).isTrue();
  }

  @Test
  void documentsThatFailToInsertFailTheRestoreWithTheCountsAndLeaveTheTargetAsItWas() throws Exception {
    // defect 3: mongorestore skips documents that fail to insert and exits 0; here the archive holds a duplicate _id
    List<Document> users = new java.util.ArrayList<>();
    for (int i = 0; i < 4; i++) {
      users.add(new Document("_id", i).append("name", "u" + i));
    }
    users.add(new Document("_id", 2).append("name", "duplicate"));
    upload(SimArchives.archive(Map.of("auto_author.users", users)), Map.of("auto_author.users", 5L));
    target.seed("auto_author", "users", 9);
    Run r = run(restoreEnv(target.uri(), true, null, null), "restore");
    assertThat(r.rc).isEqualTo(1);
    assertThat(r.stderr).contains("mongorestore skipped documents: 4 restored, 1 failed to restore")
        .contains("the target is unchanged (staging collections dropped)");
    assertThat(target.counts()).isEqualTo(Map.of("auto_author.users", 9L));
    assertThat(r.result().get("targetUnchanged").asBoolean()).isTrue();
  }

  @Test
  void anArchiveCutMidwayFailsAfterSomeCollectionsAndLeavesTheTargetAsItWas() throws Exception {
    // defect 4: with --drop, real mongorestore drops the target's collections and brings back only the partial data
    Map<String, List<Document>> colls = new java.util.LinkedHashMap<>();
    colls.put("auto_author.books", docs(200));
    colls.put("auto_author.users", docs(300));
    byte[] cut = SimArchives.cutInside(colls, "auto_author.users", 150);
    upload(cut, Map.of("auto_author.books", 200L, "auto_author.users", 300L));
    target.seed("auto_author", "books", 11);
    target.seed("auto_author", "users", 12);
    Run r = run(restoreEnv(target.uri(), true, null, null), "restore");
    assertThat(r.rc).isEqualTo(1);
    assertThat(r.stderr).contains("mongorestore exited 1").contains("the target is unchanged");
    assertThat(target.counts()).isEqualTo(Map.of("auto_author.books", 11L, "auto_author.users", 12L));
  }

  @Test
  void aCutObjectIsRefusedBeforeMongorestoreRuns() throws Exception {
    // issue 11: "A truncated object was refused before mongorestore ran, target untouched: keep that"
    backup();
    byte[] whole = s3.getObjectAsBytes(b -> b.bucket(bucket).key(KEY)).asByteArray();
    s3.putObject(b -> b.bucket(bucket).key(KEY), RequestBody.fromBytes(java.util.Arrays.copyOf(whole, whole.length / 2)));
    target.seed("auto_author", "users", 3);
    Run r = run(restoreEnv(target.uri(), true, null, null), "restore");
    assertThat(r.rc).isEqualTo(1);
    assertThat(r.stderr).contains("refusing to restore").doesNotContain("mongorestore exited");
    assertThat(target.counts()).isEqualTo(Map.of("auto_author.users", 3L));
  }

  @Test
  void aRetriedRestoreDropsTheStagingCollectionsItsInterruptedRunLeft() throws Exception {
    backup();
    // what a pod killed between mongorestore and the renames leaves behind
    target.seed("auto_author", RestorePlan.STAGING_PREFIX + "0a1b2c3d.users", 4);
    Run r = run(restoreEnv(target.uri(), true, null, null), "restore");
    assertThat(r.rc).as(r.stderr).isZero();
    assertThat(target.counts()).isEqualTo(Map.of(
        "auto_author.users", 5L, "auto_author.books", 20L, "billing.invoices", 7L));
  }

  @Test
  void aFullDumpRestoresWithoutTheServersOwnNamespaces() throws Exception {
    // defect 5: every full dump holds admin.system.version; counting it made every RestoreTest fail
    backup();
    BackupManifest m = new BackupCatalog(s3, bucket, "prod/").readManifest(KEY).orElseThrow();
    assertThat(m.counts).containsKey("admin.system.version");
    Run r = run(restoreEnv(target.uri(), true, null, null), "restore");
    assertThat(r.rc).as(r.stderr).isZero();
    assertThat(target.counts()).isEqualTo(Map.of(
        "auto_author.users", 5L, "auto_author.books", 20L, "billing.invoices", 7L));
  }

  @Test
  void theUriDatabaseNoLongerNarrowsABackup() throws Exception {
    // defect 6: mongodump treats mongodb://h/auto_author like --db auto_author
    Run r = run(env(prod.uri("auto_author")), "backup");
    assertThat(r.rc).as(r.stderr).isZero();
    assertThat(r.stderr).contains("uses it as authSource only");
    BackupManifest m = new BackupCatalog(s3, bucket, "prod/").readManifest(KEY).orElseThrow();
    assertThat(m.counts).containsKeys("auto_author.users", "billing.invoices");
    assertThat(m.pointInTime).as("standalone: no --oplog").isFalse();
    assertThat(m.topology).isEqualTo("standalone");
  }

  @Test
  void restoreTestVerifiesAFullDumpInAThrowawayMongodThatLogsToStdout() throws Exception {
    // defect 5: full dumps hold admin.system.version (never restored, so never counted), and the scratch mongod's
    // stdout is read (SimMongod writes more than a pipe holds before it listens, as a real mongod does)
    Map<String, String> env = env(prod.uri());
    env.put("VERIFY_MODE", "RestoreTest");
    env.put("MONGOD", tools.mongod().toString());
    Run r = run(env, "backup-and-verify");
    assertThat(r.rc).as(r.stderr).isZero();
    BackupManifest m = new BackupCatalog(s3, bucket, "prod/").readManifest(KEY).orElseThrow();
    assertThat(m.verified).isTrue();
    assertThat(m.verifyMode).isEqualTo("RestoreTest");
  }

  @Test
  void restoreTestFailsAnArchiveWhoseDocumentsDoNotAllRestore() throws Exception {
    List<Document> users = new java.util.ArrayList<>(docs(3));
    users.add(new Document("_id", 1).append("v", "duplicate"));
    upload(SimArchives.archive(Map.of("auto_author.users", users)), Map.of("auto_author.users", 4L));
    Map<String, String> env = env(prod.uri());
    env.put("VERIFY_MODE", "RestoreTest");
    env.put("MONGOD", tools.mongod().toString());
    env.put("OBJECT", KEY);
    Run r = run(env, "verify");
    assertThat(r.rc).isEqualTo(1);
    assertThat(r.stderr).contains("RestoreTest: mongorestore skipped documents: 3 restored, 1 failed to restore");
    BackupManifest m = new BackupCatalog(s3, bucket, "prod/").readManifest(KEY).orElseThrow();
    assertThat(m.verified).isFalse();
  }

  static List<Document> docs(int n) {
    List<Document> out = new java.util.ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(new Document("_id", i).append("v", "x".repeat(50)));
    }
    return out;
  }

  /** An archive with a manifest that matches its bytes, as a complete backup upload would leave it. */
  void upload(byte[] archive, Map<String, Long> counts) throws Exception {
    s3.putObject(b -> b.bucket(bucket).key(KEY), RequestBody.fromBytes(archive));
    BackupManifest m = new BackupManifest();
    m.object = KEY;
    m.sizeBytes = archive.length;
    m.sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(archive));
    m.startedAt = "2026-11-20T03:00:00Z";
    m.completedAt = "2026-11-20T03:00:01Z";
    m.counts = new java.util.LinkedHashMap<>(counts);
    m.verified = true;
    new BackupCatalog(s3, bucket, "prod/").writeManifest(m);
    assertThat(BackupKeys.manifestKeyForArchive(KEY)).isNotBlank();
  }
}
