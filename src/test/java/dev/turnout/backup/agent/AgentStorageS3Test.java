package dev.turnout.backup.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.turnout.backup.catalog.BackupManifest;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** The agent's storage side of issue 11: owners in manifests (item 7) and the preflight (item 10), on S3Proxy. */
class AgentStorageS3Test {
  static final Instant T0 = Instant.parse("2026-11-20T03:00:00Z");
  static S3TestServer scoped;
  static byte[] archive;

  @TempDir Path tmp;

  @BeforeAll
  static void start() throws Exception {
    // keys allowed to list only under "prod/" (and HeadBucket denied), as with an IAM policy scoped to the prefix
    scoped = new S3TestServer(store -> new PrefixScopedBlobStore(store, "prod/"));
    archive = FakeMongo.deterministicArchive(3, 1);
  }

  @AfterAll
  static void stop() throws Exception {
    scoped.close();
  }

  Map<String, String> env(String bucket, String prefix, FakeMongo fake) throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("MONGO_SERVER_SELECTION_TIMEOUT_MS", "1000"); // nothing listens there: the topology question fails fast
    env.put("MONGODB_URI", "mongodb://backup:pw@mongo.example:27017/");
    env.put("AWS_ACCESS_KEY_ID", S3TestServer.ACCESS_KEY);
    env.put("AWS_SECRET_ACCESS_KEY", S3TestServer.SECRET_KEY);
    env.put("S3_ENDPOINT", scoped.endpoint());
    env.put("S3_BUCKET", bucket);
    env.put("S3_PREFIX", prefix);
    env.put("S3_FORCE_PATH_STYLE", "true");
    env.put("S3_PART_SIZE_MB", "5");
    env.put("MONGODUMP", fake.mongodump(-1).toString());
    env.put("MONGORESTORE", fake.mongorestore(1000).toString());
    return env;
  }

  static String run(Map<String, String> env, Instant now, String command, int expectedRc) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int rc = AgentMain.run(new String[] {command}, env, Clock.fixed(now, ZoneOffset.UTC), new PrintStream(out, true), new PrintStream(err, true));
    String all = out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8);
    assertThat(rc).as(all).isEqualTo(expectedRc);
    return all;
  }

  static Map<String, String> owner(Map<String, String> env, String ns, String name, String uid) {
    env.put("OWNER_NAMESPACE", ns);
    env.put("OWNER_NAME", name);
    env.put("OWNER_UID", uid);
    return env;
  }

  BackupManifest manifest(S3Client s3, String bucket, String key) {
    return BackupManifest.parse(s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArray());
  }

  /** Item 10: HeadBucket needs s3:ListBucket on the whole bucket; keys scoped to the prefix must still back up. */
  @Test
  void preflightListsThePrefixSoCredentialsScopedToThePrefixWork() throws Exception {
    String bucket = scoped.newBucket();
    try (S3Client s3 = scoped.settings(bucket, "prod/").newClient()) {
      assertThatThrownBy(() -> s3.headBucket(b -> b.bucket(bucket)))
          .as("the fake denies HeadBucket as such a policy does")
          .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(403));
      FakeMongo fake = new FakeMongo(tmp, archive);
      run(owner(env(bucket, "prod/", fake), "shop", "mongo-prod", "uid-1"), T0, "backup-and-verify", 0);
      BackupManifest m = manifest(s3, bucket, "prod/2026-11-20T03-00-00Z.manifest.json");
      assertThat(m.verified).isTrue();
      // outside the granted prefix the same keys are refused, and the agent says so before mongodump runs
      String out = run(env(bucket, "other/", fake), T0, "backup", 1);
      assertThat(out).contains("access denied").doesNotContain("mongodump exited");
    }
  }

  /**
   * Item 7: the manifest names the DatabaseBackup that wrote it, and a Job of one DatabaseBackup on a shared prefix
   * verifies (and resolves latest to) its own newest backup, not the newer one of another DatabaseBackup.
   */
  @Test
  void manifestsNameTheirOwnerAndAJobSeesOnlyItsOwnersBackups() throws Exception {
    String bucket = scoped.newBucket();
    FakeMongo fake = new FakeMongo(tmp, archive);
    run(owner(env(bucket, "prod/", fake), "shop", "mongo-a", "uid-a"), T0, "backup", 0);
    run(owner(env(bucket, "prod/", fake), "shop", "mongo-b", "uid-b"), T0.plusSeconds(3600), "backup", 0);
    try (S3Client s3 = scoped.settings(bucket, "prod/").newClient()) {
      BackupManifest a = manifest(s3, bucket, "prod/2026-11-20T03-00-00Z.manifest.json");
      assertThat(a.owner.namespace).isEqualTo("shop");
      assertThat(a.owner.name).isEqualTo("mongo-a");
      assertThat(a.owner.uid).isEqualTo("uid-a");
      assertThat(a.toJsonString()).contains("\"owner\"");

      // verify without OBJECT: the owner's newest backup (a's), although b's is newer
      String out = run(owner(env(bucket, "prod/", fake), "shop", "mongo-a", "uid-a"), T0.plusSeconds(7200), "verify", 0);
      assertThat(out).contains("prod/2026-11-20T03-00-00Z.archive.gz");
      assertThat(manifest(s3, bucket, "prod/2026-11-20T03-00-00Z.manifest.json").verified).isTrue();
      assertThat(manifest(s3, bucket, "prod/2026-11-20T04-00-00Z.manifest.json").verified).as("b's untouched").isNull();
    }
  }
}
