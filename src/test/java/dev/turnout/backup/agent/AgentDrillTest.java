package dev.turnout.backup.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.turnout.backup.catalog.BackupCatalog;
import dev.turnout.backup.catalog.BackupManifest;
import dev.turnout.mongo.MongoServerFixture;
import dev.turnout.mongo.MongoToolScripts;
import dev.turnout.mongo.SimArchives;
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
import java.util.LinkedHashMap;
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
 * The agent's {@code drill} command (issue 11, restore drills) against S3Proxy, a wire-protocol server and the simulated
 * mongodump/mongorestore/mongod: the newest verified backup of the Job's owner is restored into the throwaway mongod and
 * counted; a drill writes nothing to S3 (the store denies every write once the backups exist) and gets no MONGODB_URI.
 */
class AgentDrillTest {
  static final Instant T0 = Instant.parse("2026-11-20T03:00:00Z");
  static final Instant T1 = Instant.parse("2026-11-21T03:00:00Z");
  static final Instant T2 = Instant.parse("2026-11-22T03:00:00Z");
  static ReadOnlySwitchBlobStore store;
  static S3TestServer s3server;
  static MongoToolScripts.Tools tools;

  @TempDir static Path toolDir;
  @TempDir Path tmp;
  MongoServerFixture prod;
  String bucket;
  S3Client s3;

  @BeforeAll
  static void start() throws Exception {
    s3server = new S3TestServer(s -> store = new ReadOnlySwitchBlobStore(s));
    tools = MongoToolScripts.install(toolDir);
  }

  @AfterAll
  static void stop() throws Exception {
    s3server.close();
  }

  @BeforeEach
  void setUp() {
    store.readOnly = false;
    store.deniedWrites.set(0);
    prod = new MongoServerFixture();
    bucket = s3server.newBucket();
    s3 = s3server.settings(bucket, "prod/").newClient();
    prod.seed("auto_author", "users", 5);
    prod.seed("auto_author", "books", 20);
    prod.seed("billing", "invoices", 7);
  }

  @AfterEach
  void tearDown() {
    store.readOnly = false;
    prod.close();
  }

  record Run(int rc, String stdout, String stderr, String terminationMessage) {
    JsonNode result() throws Exception {
      List<String> lines = stdout.lines().toList();
      return new ObjectMapper().readTree(lines.get(lines.size() - 1));
    }
  }

  Map<String, String> env(String owner) {
    Map<String, String> env = new HashMap<>();
    env.put("AWS_ACCESS_KEY_ID", S3TestServer.ACCESS_KEY);
    env.put("AWS_SECRET_ACCESS_KEY", S3TestServer.SECRET_KEY);
    env.put("S3_ENDPOINT", s3server.endpoint());
    env.put("S3_REGION", "eu-west-1");
    env.put("S3_BUCKET", bucket);
    env.put("S3_PREFIX", "prod/");
    env.put("S3_FORCE_PATH_STYLE", "true");
    env.put("MONGODUMP", tools.mongodump().toString());
    env.put("MONGORESTORE", tools.mongorestore().toString());
    env.put("MONGOD", tools.mongod().toString());
    env.put("MONGO_SERVER_SELECTION_TIMEOUT_MS", "3000");
    env.put("OWNER_NAMESPACE", "auto-author");
    env.put("OWNER_NAME", owner);
    env.put("OWNER_UID", "uid-" + owner);
    return env;
  }

  Run run(Map<String, String> env, String command, Instant at) throws Exception {
    Path termination = Files.createTempFile(tmp, "termination-log", "");
    env.put("TERMINATION_MESSAGE_PATH", termination.toString());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int rc = AgentMain.run(new String[] {command}, env, Clock.fixed(at, ZoneOffset.UTC), new PrintStream(out, true),
        new PrintStream(err, true));
    return new Run(rc, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8), Files.readString(termination));
  }

  /** A verified full backup of prod by the scheduled Job of DatabaseBackup auto-author/{@code owner}. */
  String backup(String owner, Instant at) throws Exception {
    Map<String, String> env = env(owner);
    env.put("MONGODB_URI", prod.uri());
    Run r = run(env, "backup-and-verify", at);
    assertThat(r.rc).as(r.stderr).isZero();
    return r.result().get("object").asText();
  }

  /** Every object under the bucket with its ETag: what a drill must leave as it was. */
  Map<String, String> objects() {
    Map<String, String> all = new LinkedHashMap<>();
    s3.listObjectsV2Paginator(b -> b.bucket(bucket)).contents().forEach(o -> all.put(o.key(), o.eTag()));
    return all;
  }

  @Test
  void aDrillRestoresTheNewestVerifiedBackupOfItsOwnerReadOnly() throws Exception {
    backup("mongo-prod", T0);
    String newest = backup("mongo-prod", T1);
    backup("other", T2); // newer, same prefix, another DatabaseBackup's: not this drill's
    Map<String, String> before = objects();
    store.readOnly = true; // the drill Job's credentials may grant only s3:ListBucket and s3:GetObject

    Map<String, String> env = env("mongo-prod");
    assertThat(env).doesNotContainKey("MONGODB_URI");
    Run r = run(env, "drill", T2.plusSeconds(3600));
    assertThat(r.rc).as(r.stderr).isZero();
    JsonNode res = r.result();
    assertThat(res.get("command").asText()).isEqualTo("drill");
    assertThat(res.get("ok").asBoolean()).isTrue();
    assertThat(res.get("object").asText()).isEqualTo(newest);
    // admin.system.version of the full dump is never restored, so never counted
    assertThat(res.get("collections").asInt()).isEqualTo(3);
    assertThat(res.get("documents").asLong()).isEqualTo(32);
    assertThat(new ObjectMapper().readTree(r.terminationMessage)).isEqualTo(res);
    assertThat(store.deniedWrites.get()).as("the drill tried no write").isZero();
    assertThat(objects()).isEqualTo(before);
    assertThat(r.stderr).contains("drill: " + newest + " passed");
  }

  @Test
  void aCountThatDiffersFromTheManifestFailsTheDrillNamingTheCollection() throws Exception {
    // a crafted archive: 3 users where the manifest counts 4 (the bytes match the manifest's size and sha256, so only
    // the restore and the count find it)
    Map<String, List<Document>> colls = new LinkedHashMap<>();
    colls.put("auto_author.users", docs(3));
    colls.put("auto_author.books", docs(2));
    String key = upload(SimArchives.archive(colls), Map.of("auto_author.users", 4L, "auto_author.books", 2L), "mongo-prod");
    store.readOnly = true;
    Run r = run(env("mongo-prod"), "drill", T1);
    assertThat(r.rc).isEqualTo(1);
    JsonNode res = r.result();
    assertThat(res.get("ok").asBoolean()).isFalse();
    assertThat(res.get("object").asText()).isEqualTo(key);
    assertThat(res.get("failedCollections")).extracting(JsonNode::asText).containsExactly("auto_author.users");
    assertThat(res.get("error").asText()).startsWith("drill of " + key + " failed: ")
        .contains("auto_author.users -> auto_author.users: manifest 4, restored 3");
    assertThat(new ObjectMapper().readTree(r.terminationMessage)).isEqualTo(res);
    assertThat(store.deniedWrites.get()).isZero();
    // unlike verify, the drill leaves the manifest as it was (verified stays true)
    assertThat(new BackupCatalog(s3, bucket, "prod/").readManifest(key).orElseThrow().verified).isTrue();
  }

  @Test
  void aDrillWithoutAVerifiedBackupOfItsOwnerFails() throws Exception {
    backup("other", T0);
    Run r = run(env("mongo-prod"), "drill", T1);
    assertThat(r.rc).isEqualTo(1);
    JsonNode res = r.result();
    assertThat(res.get("ok").asBoolean()).isFalse();
    assertThat(res.has("object")).isFalse();
    assertThat(res.get("error").asText())
        .isEqualTo("no verified backup of DatabaseBackup auto-author/mongo-prod under s3://" + bucket + "/prod/ to drill");
  }

  @Test
  void aTamperedArchiveFailsTheDrillBeforeAnyRestore() throws Exception {
    String key = backup("mongo-prod", T0);
    byte[] bytes = s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArray();
    bytes[bytes.length / 2] ^= 0x01;
    s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(bytes));
    store.readOnly = true;
    Run r = run(env("mongo-prod"), "drill", T1);
    assertThat(r.rc).isEqualTo(1);
    assertThat(r.result().get("error").asText()).startsWith("drill of " + key + " failed: ");
    assertThat(r.result().has("failedCollections")).isFalse();
    assertThat(r.stderr).doesNotContain("mongorestore reported");
  }

  static List<Document> docs(int n) {
    List<Document> out = new java.util.ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(new Document("_id", i).append("v", "x".repeat(50)));
    }
    return out;
  }

  /** An archive and a verified manifest of {@code owner} that matches its bytes. */
  String upload(byte[] archive, Map<String, Long> counts, String owner) throws Exception {
    String key = "prod/2026-11-20T03-00-00Z.archive.gz";
    s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(archive));
    BackupManifest m = new BackupManifest();
    m.object = key;
    m.owner = new BackupManifest.Owner("auto-author", owner, "uid-" + owner);
    m.sizeBytes = archive.length;
    m.sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(archive));
    m.startedAt = "2026-11-20T03:00:00Z";
    m.completedAt = "2026-11-20T03:00:01Z";
    m.counts = new LinkedHashMap<>(counts);
    m.verified = true;
    new BackupCatalog(s3, bucket, "prod/").writeManifest(m);
    return key;
  }
}
