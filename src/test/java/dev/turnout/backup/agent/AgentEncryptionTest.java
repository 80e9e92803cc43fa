package dev.turnout.backup.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.turnout.backup.catalog.BackupCatalog;
import dev.turnout.backup.catalog.BackupKeys;
import dev.turnout.backup.catalog.BackupManifest;
import dev.turnout.mongo.MongoServerFixture;
import dev.turnout.mongo.MongoToolScripts;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Encrypted backups end to end: the agent against S3Proxy, mongo-java-server and the mongo tools' simulation, the key
 * Secret as a kubelet projects it (one file per key id). Asserts what S3 stores and what the target holds afterwards.
 */
class AgentEncryptionTest {
  static final Instant T0 = Instant.parse("2026-11-20T03:00:00Z");
  static final Instant T1 = Instant.parse("2026-11-21T03:00:00Z");
  static final String KEY0 = "prod/2026-11-20T03-00-00Z.archive.gz";
  static final String KEY1 = "prod/2026-11-21T03-00-00Z.archive.gz";
  static final Map<String, Long> PROD = Map.of("auto_author.users", 5L, "auto_author.books", 20L, "billing.invoices", 7L);
  static S3TestServer s3server;
  static MongoToolScripts.Tools tools;

  @TempDir static Path toolDir;
  @TempDir Path keyDir;
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
  void setUp() throws Exception {
    prod = new MongoServerFixture();
    target = new MongoServerFixture();
    bucket = s3server.newBucket();
    s3 = s3server.settings(bucket, "prod/").newClient();
    prod.seed("auto_author", "users", 5);
    prod.seed("auto_author", "books", 20);
    prod.seed("billing", "invoices", 7);
    key("k1", 1);
  }

  @AfterEach
  void tearDown() {
    prod.close();
    target.close();
  }

  /** A key file as the kubelet writes a Secret's entry: the value `openssl rand -base64 32` printed. */
  void key(String id, int seed) throws Exception {
    byte[] k = new byte[32];
    new Random(seed).nextBytes(k);
    Files.writeString(keyDir.resolve(id), Base64.getEncoder().encodeToString(k) + "\n");
  }

  record Run(int rc, String stdout, String stderr) {}

  Map<String, String> env(String mongoUri, String keyId) {
    Map<String, String> env = new HashMap<>();
    env.put("MONGODB_URI", mongoUri);
    env.put("AWS_ACCESS_KEY_ID", S3TestServer.ACCESS_KEY);
    env.put("AWS_SECRET_ACCESS_KEY", S3TestServer.SECRET_KEY);
    env.put("S3_ENDPOINT", s3server.endpoint());
    env.put("S3_BUCKET", bucket);
    env.put("S3_PREFIX", "prod/");
    env.put("S3_FORCE_PATH_STYLE", "true");
    env.put("MONGODUMP", tools.mongodump().toString());
    env.put("MONGORESTORE", tools.mongorestore().toString());
    env.put("MONGO_SERVER_SELECTION_TIMEOUT_MS", "3000");
    env.put("OWNER_NAMESPACE", "shop");
    env.put("OWNER_NAME", "nightly");
    env.put("OWNER_UID", "uid-1");
    env.put("ENCRYPTION_KEY_DIR", keyDir.toString());
    if (keyId != null) {
      env.put("ENCRYPTION_KEY_ID", keyId);
    }
    return env;
  }

  Map<String, String> restoreEnv(String object) {
    Map<String, String> env = env(target.uri(), "k-unused-by-restores");
    env.put("OBJECT", object);
    env.put("DROP", "true");
    env.put("RESTORE_ID", "0a1b2c3d");
    return env;
  }

  static Run run(Map<String, String> env, String command, Instant at) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int rc = AgentMain.run(new String[] {command}, env, Clock.fixed(at, ZoneOffset.UTC), new PrintStream(out, true),
        new PrintStream(err, true));
    return new Run(rc, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  void backup(String keyId, Instant at) {
    Run r = run(env(prod.uri(), keyId), "backup-and-verify", at);
    assertThat(r.rc).as(r.stderr).isZero();
  }

  BackupManifest manifest(String key) {
    return new BackupCatalog(s3, bucket, "prod/").readManifest(key).orElseThrow();
  }

  byte[] stored(String key) {
    return s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArray();
  }

  /** Replaces an archive's bytes and fixes its manifest's size and sha256, so only decryption can notice. */
  void replace(String key, byte[] bytes) throws Exception {
    s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(bytes));
    BackupManifest m = manifest(key);
    m.sizeBytes = bytes.length;
    m.sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    new BackupCatalog(s3, bucket, "prod/").writeManifest(m);
  }

  @Test
  void anEncryptedBackupIsStoredAsCiphertextCheckedByItsStoredBytesAndRestores() throws Exception {
    backup("k1", T0);
    BackupManifest m = manifest(KEY0);
    assertThat(m.verified).isTrue();
    assertThat(m.encryption.clientSide.keyId).isEqualTo("k1");
    assertThat(m.encryption.clientSide.scheme).isEqualTo("AES256_GCM_HKDF_1MB");
    byte[] bytes = stored(KEY0);
    assertThat(bytes[0] == (byte) 0x1f && bytes[1] == (byte) 0x8b).as("not a gzip stream in the clear").isFalse();
    // size and sha256 are those of the stored object: a checksum needs no key
    assertThat(m.sizeBytes).isEqualTo(bytes.length);
    assertThat(m.sha256).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)));
    assertThat(new String(bytes, StandardCharsets.ISO_8859_1)).doesNotContain("auto_author");

    Run r = run(restoreEnv(KEY0), "restore", T1);
    assertThat(r.rc).as(r.stderr).isZero();
    assertThat(target.counts()).isEqualTo(PROD);
  }

  @Test
  void restoreTestVerifiesAnEncryptedBackupInTheThrowawayMongod() {
    Map<String, String> env = env(prod.uri(), "k1");
    env.put("VERIFY_MODE", "RestoreTest");
    env.put("MONGOD", tools.mongod().toString());
    Run r = run(env, "backup-and-verify", T0);
    assertThat(r.rc).as(r.stderr).isZero();
    BackupManifest m = manifest(KEY0);
    assertThat(m.verified).isTrue();
    assertThat(m.verifyMode).isEqualTo("RestoreTest");
  }

  @Test
  void theWrongKeyUnderTheIdFailsVerifyAndRestoreAndLeavesTheTargetAsItWas() throws Exception {
    backup("k1", T0);
    key("k1", 2); // the Secret's k1 replaced by another value
    target.seed("auto_author", "users", 3);
    Run r = run(restoreEnv(KEY0), "restore", T1);
    assertThat(r.rc).isEqualTo(1);
    assertThat(r.stderr).contains("does not decrypt with encryption key id k1").contains("refusing to restore");
    assertThat(target.counts()).isEqualTo(Map.of("auto_author.users", 3L));

    Map<String, String> v = env(prod.uri(), "k1");
    v.put("OBJECT", KEY0);
    Run verify = run(v, "verify", T1);
    assertThat(verify.rc).isEqualTo(1);
    assertThat(manifest(KEY0).verified).isFalse();
    assertThat(manifest(KEY0).verifyError).contains("does not decrypt with encryption key id k1");
  }

  @Test
  void aTamperedByteWithAMatchingManifestIsRefusedBeforeMongorestoreRuns() throws Exception {
    backup("k1", T0);
    byte[] bytes = stored(KEY0);
    bytes[bytes.length / 2] ^= 0x01;
    replace(KEY0, bytes); // size and sha256 now match: only the per-segment authentication can tell
    target.seed("auto_author", "users", 3);
    Run r = run(restoreEnv(KEY0), "restore", T1);
    assertThat(r.rc).isEqualTo(1);
    assertThat(r.stderr).contains("does not decrypt").doesNotContain("mongorestore exited");
    assertThat(target.counts()).isEqualTo(Map.of("auto_author.users", 3L));
  }

  @Test
  void anArchiveSwappedForAnotherBackupOfTheSameKeyIsRefused() throws Exception {
    backup("k1", T0);
    prod.seed("billing", "refunds", 2);
    backup("k1", T1);
    // the newer archive (same key, same owner) copied over the older one, its manifest adjusted to match
    replace(KEY0, stored(KEY1));
    Run r = run(restoreEnv(KEY0), "restore", T1);
    assertThat(r.rc).isEqualTo(1);
    assertThat(r.stderr).contains("does not decrypt with encryption key id k1").contains("copied from another backup");
    assertThat(target.counts()).isEmpty();
  }

  @Test
  void afterKeyRotationOldBackupsRestoreWithTheirKeyAndNewOnesUseTheNewKey() throws Exception {
    backup("k1", T0);
    key("k2", 22); // rotation: a new entry in the Secret, keyId switched, k1 kept
    backup("k2", T1);
    assertThat(manifest(KEY1).encryption.clientSide.keyId).isEqualTo("k2");
    assertThat(manifest(KEY0).encryption.clientSide.keyId).isEqualTo("k1");

    Run old = run(restoreEnv(KEY0), "restore", T1);
    assertThat(old.rc).as(old.stderr).isZero();
    assertThat(target.counts()).isEqualTo(PROD);

    Files.delete(keyDir.resolve("k1")); // removed too early: the old backup can no longer be read
    Run gone = run(restoreEnv(KEY0), "restore", T1);
    assertThat(gone.rc).isEqualTo(2);
    assertThat(gone.stderr).contains("needs encryption key id k1").doesNotContain(keyDir.toString() + "/k1:");
  }

  @Test
  void aMissingBackupKeyFailsWithExit2BeforeAnythingIsUploaded() {
    Run r = run(env(prod.uri(), "k9"), "backup", T0);
    assertThat(r.rc).isEqualTo(2);
    assertThat(r.stderr).contains("needs encryption key id k9");
    assertThat(s3.listObjectsV2(b -> b.bucket(bucket)).contents()).isEmpty();
    assertThat(s3.listMultipartUploads(b -> b.bucket(bucket)).uploads()).isEmpty();
  }

  /** An empty dump still encrypts to a header and a last segment: the agent counts mongodump's bytes, not the object's. */
  @Test
  void aMongodumpThatWritesNothingFailsAlsoWhenEncrypted() throws Exception {
    key("k1", 1);
    Path dir = java.nio.file.Files.createTempDirectory(keyDir.getParent(), "empty-dump");
    Map<String, String> env = env(prod.uri(), "k1");
    env.put("MONGODUMP", new FakeMongo(dir, new byte[0]).mongodump(-1).toString());
    Run r = run(env, "backup", T0);
    assertThat(r.rc).as(r.stderr).isEqualTo(1);
    assertThat(r.stderr).contains("mongodump exited 0 but wrote nothing");
    assertThat(s3.listObjectsV2(b -> b.bucket(bucket)).contents()).as("no archive, no manifest").isEmpty();
  }

  @Test
  void unencryptedBackupsStillRestoreWhenAKeySecretIsMounted() throws Exception {
    backup(null, T0);
    BackupManifest m = manifest(KEY0);
    assertThat(m.encryption).isNull();
    assertThat(BackupKeys.isArchiveKey("prod/", KEY0)).isTrue();
    Run r = run(restoreEnv(KEY0), "restore", T1);
    assertThat(r.rc).as(r.stderr).isZero();
    assertThat(target.counts()).isEqualTo(PROD);
  }
}
