package dev.turnout.backup.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.turnout.backup.catalog.BackupCatalog;
import dev.turnout.backup.catalog.BackupManifest;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import dev.turnout.mongo.MongoServerFixture;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/** The agent against a real S3 API (S3Proxy) with fake mongodump/mongorestore/mongod executables. */
class BackupAgentS3Test {
  /** A real wire-protocol server the agent asks for its topology; the fake mongodump ignores it (it only writes bytes). */
  static MongoServerFixture mongo;
  static String URI;
  static final Instant T0 = Instant.parse("2026-11-20T03:00:00Z");
  static S3TestServer server;
  static byte[] archive;

  @TempDir Path tmp;
  FakeMongo fake;
  String bucket;
  S3Client s3;

  @BeforeAll
  static void startS3() throws Exception {
    server = new S3TestServer();
    mongo = new MongoServerFixture();
    URI = mongo.uri();
    archive = FakeMongo.deterministicArchive(11, 42);
  }

  @AfterAll
  static void stopS3() throws Exception {
    server.close();
    mongo.close();
  }

  @BeforeEach
  void setUp() throws Exception {
    fake = new FakeMongo(tmp, archive);
    bucket = server.newBucket();
    s3 = server.settings(bucket, "prod/").newClient();
  }

  record Run(int rc, String stdout, String stderr) {
    JsonNode result() throws Exception {
      List<String> lines = stdout.lines().toList();
      return new ObjectMapper().readTree(lines.get(lines.size() - 1));
    }
  }

  Map<String, String> env() throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("MONGODB_URI", URI);
    env.put("AWS_ACCESS_KEY_ID", S3TestServer.ACCESS_KEY);
    env.put("AWS_SECRET_ACCESS_KEY", S3TestServer.SECRET_KEY);
    env.put("S3_ENDPOINT", server.endpoint());
    env.put("S3_REGION", "eu-west-1");
    env.put("S3_BUCKET", bucket);
    env.put("S3_PREFIX", "prod/");
    env.put("S3_FORCE_PATH_STYLE", "true");
    env.put("S3_PART_SIZE_MB", "5");
    env.put("MONGODUMP", fake.mongodump(-1).toString());
    env.put("MONGORESTORE", fake.mongorestore(1000).toString());
    env.put("RESTORE_ID", "0a1b2c3d");
    env.put("MONGO_SERVER_SELECTION_TIMEOUT_MS", "3000");
    return env;
  }

  static Run run(Map<String, String> env, Instant now, String command) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int rc =
        AgentMain.run(
            new String[] {command}, env, Clock.fixed(now, ZoneOffset.UTC), new PrintStream(out, true), new PrintStream(err, true));
    Run r = new Run(rc, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    assertThat(r.stdout + r.stderr).doesNotContain("s3cr3t-Pa55").doesNotContain(S3TestServer.SECRET_KEY);
    return r;
  }

  static String sha256(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  byte[] get(String key) {
    return s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArray();
  }

  List<String> keys() {
    return s3.listObjectsV2(b -> b.bucket(bucket)).contents().stream().map(S3Object::key).sorted().toList();
  }

  @Test
  void backupUploadsArchiveThenManifest() throws Exception {
    assertThat(archive.length).isGreaterThan(10_000_000);
    Run r = run(env(), T0, "backup");
    assertThat(r.rc).as(r.stderr).isZero();

    String key = "prod/2026-11-20T03-00-00Z.archive.gz";
    assertThat(keys()).containsExactly(key, "prod/2026-11-20T03-00-00Z.manifest.json");
    assertThat(get(key)).isEqualTo(archive);

    BackupManifest m = BackupManifest.parse(get("prod/2026-11-20T03-00-00Z.manifest.json"));
    assertThat(m.object).isEqualTo(key);
    assertThat(m.sizeBytes).isEqualTo(archive.length);
    assertThat(m.sha256).isEqualTo(sha256(archive));
    assertThat(m.startedAt).isEqualTo("2026-11-20T03:00:00Z");
    assertThat(m.completedAt).isNotNull();
    assertThat(m.mongodumpVersion).isEqualTo("mongodump version: 100.10.0-fake");
    assertThat(m.agentVersion).isNotBlank();
    assertThat(m.counts).isEqualTo(Map.of("test.items", 1000L, "test.users", 42L));
    assertThat(m.verified).isNull();

    JsonNode res = r.result();
    assertThat(res.get("ok").asBoolean()).isTrue();
    assertThat(res.get("object").asText()).isEqualTo(key);
    assertThat(res.get("sha256").asText()).isEqualTo(sha256(archive));

    // the URI went through a 0600 --config file, deleted afterwards; never on the command line
    assertThat(fake.read("mongodump.args")).doesNotContain("s3cr3t").contains("--archive", "--gzip");
    assertThat(fake.read("mongodump.config")).isEqualTo("uri: '" + URI + "'\n");
    assertThat(fake.read("mongodump.config.mode").trim()).isEqualTo("600");
    assertThat(Path.of(fake.read("mongodump.config.path").trim())).doesNotExist();
  }

  @Test
  void oneDatabaseIsPassedAsDb() throws Exception {
    Map<String, String> env = env();
    env.put("DATABASES", "auto_author");
    assertThat(run(env, T0, "backup").rc).isZero();
    assertThat(fake.read("mongodump.args")).contains("--db=auto_author");
    assertThat(BackupManifest.parse(get("prod/2026-11-20T03-00-00Z.manifest.json")).databases).containsExactly("auto_author");
  }

  @Test
  void mongodumpFailingMidStreamLeavesNothing() throws Exception {
    Map<String, String> env = env();
    env.put("MONGODUMP", fake.mongodump(7_000_000).toString());
    Run r = run(env, T0, "backup");
    assertThat(r.rc).isNotZero();
    assertThat(r.stderr)
        .contains(
            "mongodump exited 1 after 7000000 bytes: Failed: error writing data for collection test.items: connection reset by peer");
    assertThat(r.result().get("ok").asBoolean()).isFalse();
    assertThat(keys()).isEmpty();
    assertThat(s3.listMultipartUploads(b -> b.bucket(bucket)).uploads()).isEmpty();
  }

  @Test
  void badCredentialsFailClearly() throws Exception {
    Map<String, String> env = env();
    env.put("AWS_SECRET_ACCESS_KEY", "wrong-secret");
    Run r = run(env, T0, "backup");
    assertThat(r.rc).isNotZero();
    assertThat(r.stderr).contains("access denied: check the keys in the credentials Secret");
    assertThat(r.stdout + r.stderr).doesNotContain("wrong-secret");
    assertThat(fake.exists("mongodump.args")).isFalse();
  }

  @Test
  void missingBucketFailsClearly() throws Exception {
    Map<String, String> env = env();
    env.put("S3_BUCKET", "no-such-bucket");
    Run r = run(env, T0, "backup");
    assertThat(r.rc).isNotZero();
    assertThat(r.stderr).contains("bucket \"no-such-bucket\" does not exist at " + server.endpoint());
  }

  @Test
  void verifyPassesThenDetectsCorruption() throws Exception {
    Map<String, String> env = env();
    Run r = run(env, T0, "backup-and-verify");
    assertThat(r.rc).as(r.stderr).isZero();
    String key = "prod/2026-11-20T03-00-00Z.archive.gz";
    String manifestKey = "prod/2026-11-20T03-00-00Z.manifest.json";
    BackupManifest m = BackupManifest.parse(get(manifestKey));
    assertThat(m.verified).isTrue();
    assertThat(m.verifiedAt).isEqualTo("2026-11-20T03:00:00Z");
    assertThat(m.verifyMode).isEqualTo("Checksum");
    assertThat(r.result().get("verified").asBoolean()).isTrue();

    byte[] corrupt = archive.clone();
    corrupt[corrupt.length / 2] ^= 0x5a;
    s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(corrupt));
    env.put("OBJECT", key);
    Run v = run(env, T0.plusSeconds(60), "verify");
    assertThat(v.rc).isNotZero();
    assertThat(v.stderr).contains("verification of " + key + " failed").contains("sha256");
    BackupManifest after = BackupManifest.parse(get(manifestKey));
    assertThat(after.verified).isFalse();
    assertThat(after.verifyError).isNotBlank();
    assertThat(after.sha256).isEqualTo(sha256(archive));
  }

  @Test
  void verifyDetectsTruncatedObject() throws Exception {
    Map<String, String> env = env();
    assertThat(run(env, T0, "backup").rc).isZero();
    String key = "prod/2026-11-20T03-00-00Z.archive.gz";
    byte[] truncated = java.util.Arrays.copyOf(archive, archive.length - 1000);
    s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(truncated));
    Run v = run(env, T0, "verify");
    assertThat(v.rc).isNotZero();
    assertThat(v.stderr).contains("not a valid gzip stream");
  }

  @Test
  void aRestoreMongorestoreReportsButTheServerDoesNotHoldFails() throws Exception {
    // issue 11: mongorestore's exit code and output are not proof; this fake reads the archive, prints success and
    // inserts nothing, as the real one does when a filter matched nothing
    Map<String, String> env = env();
    assertThat(run(env, T0, "backup-and-verify").rc).isZero();
    env.put("OBJECT", "prod/2026-11-20T03-00-00Z.archive.gz");
    env.put("DROP", "true");
    env.put("NS_FROM", "test.*");
    env.put("NS_TO", "test_staging.*");
    env.put("EXPECTED_SHA256", sha256(archive));
    Run r = run(env, T0, "restore");
    assertThat(r.rc).isEqualTo(1);
    assertThat(r.stderr).contains("document counts differ from the manifest: test.items -> test_staging.items: manifest"
        + " 1000, restored nothing").contains("the target is unchanged");
    // what it got: the checked object, byte for byte, exact namespaces, the URI only in a 0600 file
    assertThat(Files.readAllBytes(tmp.resolve("mongorestore.stdin"))).isEqualTo(archive);
    assertThat(fake.read("mongorestore.args").lines().toList()).contains("--archive", "--gzip",
        "--nsInclude=test.items", "--nsFrom=test.items", "--nsTo=test_staging.__turnout_restore_" + "0a1b2c3d.items");
    assertThat(fake.read("mongorestore.config")).isEqualTo("uri: '" + URI + "'\n");
    assertThat(fake.read("mongorestore.config.mode").trim()).isEqualTo("600");
    assertThat(r.result().get("sha256").asText()).isEqualTo(sha256(archive));
    assertThat(r.result().get("targetUnchanged").asBoolean()).isTrue();
  }

  @Test
  void restoreRefusesChecksumMismatch() throws Exception {
    Map<String, String> env = env();
    assertThat(run(env, T0, "backup-and-verify").rc).isZero();
    String key = "prod/2026-11-20T03-00-00Z.archive.gz";
    byte[] corrupt = archive.clone();
    corrupt[100] ^= 1;
    s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(corrupt));
    env.put("OBJECT", key);
    Run r = run(env, T0, "restore");
    assertThat(r.rc).isNotZero();
    // the first read checks gzip to its end as well: a flipped byte breaks the stream before the sha256 is compared
    assertThat(r.stderr).contains(key).contains("sha256 differs").contains("refusing to restore");
    assertThat(fake.exists("mongorestore.args")).as("mongorestore must not run").isFalse();
  }

  @Test
  void restoreRefusesWrongExpectedSha() throws Exception {
    Map<String, String> env = env();
    assertThat(run(env, T0, "backup").rc).isZero();
    env.put("OBJECT", "2026-11-20T03-00-00Z.archive.gz"); // relative to the prefix
    env.put("EXPECTED_SHA256", "00".repeat(32));
    Run r = run(env, T0, "restore");
    assertThat(r.rc).isNotZero();
    assertThat(r.stderr).contains("EXPECTED_SHA256").contains("refusing to restore");
    assertThat(fake.exists("mongorestore.args")).isFalse();
  }

  @Test
  void latestResolvesToNewestVerified() throws Exception {
    Map<String, String> env = env();
    Instant t1 = T0, t2 = T0.plusSeconds(86400), t3 = T0.plusSeconds(2 * 86400);
    assertThat(run(env, t1, "backup-and-verify").rc).isZero();
    assertThat(run(env, t2, "backup-and-verify").rc).isZero();
    assertThat(run(env, t3, "backup").rc).isZero(); // newest, not verified
    s3.putObject(b -> b.bucket(bucket).key("prod/notes.txt"), RequestBody.fromString("not a backup"));

    BackupCatalog catalog = new BackupCatalog(s3, bucket, "prod/");
    assertThat(catalog.list()).extracting(BackupCatalog.Entry::archiveKey)
        .containsExactly(
            "prod/2026-11-22T03-00-00Z.archive.gz",
            "prod/2026-11-21T03-00-00Z.archive.gz",
            "prod/2026-11-20T03-00-00Z.archive.gz");
    assertThat(catalog.latestVerified().orElseThrow().archiveKey()).isEqualTo("prod/2026-11-21T03-00-00Z.archive.gz");

    env.put("OBJECT", "latest");
    Run r = run(env, t3, "restore");
    // the fake mongorestore inserts nothing, so the restore fails its count check; what matters here is what it read
    assertThat(r.result().get("object").asText()).isEqualTo("prod/2026-11-21T03-00-00Z.archive.gz");
    assertThat(Files.readAllBytes(tmp.resolve("mongorestore.stdin"))).isEqualTo(archive);
  }

  @Test
  void latestWithNoVerifiedBackupFails() throws Exception {
    Map<String, String> env = env();
    assertThat(run(env, T0, "backup").rc).isZero();
    env.put("OBJECT", "latest");
    Run r = run(env, T0, "restore");
    assertThat(r.rc).isNotZero();
    assertThat(r.stderr).contains("no verified backup under s3://" + bucket + "/prod/");
  }

  @Test
  void restoreTestWithoutMongodFailsClearly() throws Exception {
    Map<String, String> env = env();
    env.put("VERIFY_MODE", "RestoreTest");
    env.put("MONGOD", tmp.resolve("no-such-mongod").toString());
    Run r = run(env, T0, "backup-and-verify");
    assertThat(r.rc).isNotZero();
    assertThat(r.stderr).contains("RestoreTest needs mongod in the agent image");
  }

  @Test
  void missingSettingsAreNamed() throws Exception {
    Map<String, String> env = env();
    env.remove("MONGODB_URI");
    env.remove("AWS_ACCESS_KEY_ID");
    Run r = run(env, T0, "backup");
    assertThat(r.rc).isEqualTo(2);
    assertThat(r.stderr).contains("missing environment variables: MONGODB_URI, AWS_ACCESS_KEY_ID");
    assertThat(run(env, T0, "frobnicate").rc).isEqualTo(2);
  }
}
