package dev.turnout.realtier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.turnout.backup.DatabaseBackup;
import dev.turnout.backup.agent.S3TestServer;
import dev.turnout.backup.catalog.BackupCatalog;
import dev.turnout.backup.catalog.BackupKeys;
import dev.turnout.backup.catalog.BackupManifest;
import dev.turnout.mongo.MongoServerFixture;
import dev.turnout.mongo.MongoToolScripts;
import dev.turnout.mongo.SimArchives;
import dev.turnout.mongo.SimArchives.Oplog;
import dev.turnout.restore.DatabaseRestore;
import dev.turnout.restore.DatabaseRestoreSpec;
import dev.turnout.restore.DatabaseRestoreStatus;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.awaitility.core.ThrowingRunnable;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Point-in-time restore on the real tier (issue 11, "beyond the anchors"): a backup as mongodump --oplog of a replica
 * set writes it is restored, renamed into staging, as the data was when its dump ended (the oplog replayed in the
 * restore pod's throwaway mongod); spec.pointInTime Required refuses a backup without an oplog before any Job runs. The
 * operator jar runs under the chart's RBAC; the restore pod runs the real agent with the simulated tools.
 */
class PointInTimeRestoreRealIT {
  static final Duration WAIT = Duration.ofSeconds(90);
  @RegisterExtension static final RealNamespace NS = new RealNamespace();
  static S3TestServer s3server;
  static MongoServerFixture stagingDb;
  static MongoToolScripts.Tools tools;
  static String staging;

  @BeforeAll
  static void start() throws Exception {
    s3server = new S3TestServer();
    stagingDb = new MongoServerFixture();
    tools = MongoToolScripts.install(Files.createTempDirectory("turnout-pitr-real"));
    staging = NS.name() + "-staging";
    client().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(staging)
        .addToLabels("turnout.dev/test", "real-tier").endMetadata().build()).create();
    BackupFixtures.secrets(client(), NS.name(), "mongodb://prod.example:27017/auto_author", stagingDb.uri("auto_author_staging"));
    BackupFixtures.secrets(client(), staging, "mongodb://prod.example:27017/auto_author", stagingDb.uri("auto_author_staging"));
    // the rules are global and the last one registered wins: only this class's namespaces
    NS.tier().simulator().jobs().when(j -> j.getMetadata().getNamespace().equals(NS.name())
        || j.getMetadata().getNamespace().equals(staging)).run(AgentPods.runner(client(), tools));
  }

  @AfterAll
  static void stop() throws Exception {
    client().namespaces().withName(staging).delete();
    s3server.close();
    stagingDb.close();
  }

  static KubernetesClient client() {
    return NS.tier().admin();
  }

  static void eventually(ThrowingRunnable assertion) {
    await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).untilAsserted(assertion);
  }

  @Test
  void aPointInTimeBackupIsRestoredIntoStagingAsItsDumpEndedAndRequiredRefusesOneWithoutAnOplog() throws Exception {
    String bucket = s3server.newBucket();
    client().resource(BackupFixtures.sample(client(), NS.name(), "pitr", s3server.endpoint(), bucket, "0 3 1 1 *")).create();
    eventually(() -> {
      DatabaseBackup b = client().resources(DatabaseBackup.class).inNamespace(NS.name()).withName("pitr").get();
      assertThat(b.getStatus()).isNotNull();
      assertThat(b.getStatus().conditions).anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
    });
    // auto_author.users 0..4 as the collection dump read them, and the oplog of the dump's window
    List<Document> users = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      users.add(new Document("_id", i).append("name", "u" + i));
    }
    byte[] pit = SimArchives.withOplog(Map.of("auto_author.users", users), List.of(
        Oplog.insert(1000, 1, "auto_author.users", new Document("_id", 5).append("name", "u5")),
        Oplog.update(1000, 2, "auto_author.users", 0, new Document("name", "renamed during the dump")),
        Oplog.delete(1001, 1, "auto_author.users", 1)));
    String pitKey = upload(bucket, Instant.parse("2026-01-02T03:04:05Z"), pit, true);
    String plainKey = upload(bucket, Instant.parse("2026-01-03T03:04:05Z"), SimArchives.archive(Map.of("auto_author.users", users)), false);
    stagingDb.seed("auto_author_staging", "users", 9); // last week's refresh: replaced

    client().resource(restoreOf("pitr-required", plainKey)).create();
    DatabaseRestoreStatus refused = finished("pitr-required");
    assertThat(refused.phase).isEqualTo("Failed");
    assertThat(refused.message).contains("spec.pointInTime is Required", plainKey, "the target was not touched");
    assertThat(refused.jobName).isNull();
    assertThat(client().batch().v1().jobs().inNamespace(staging).withName("pitr-required-restore").get()).isNull();
    assertThat(stagingDb.counts()).isEqualTo(Map.of("auto_author_staging.users", 9L));

    client().resource(restoreOf("pitr-restore", pitKey)).create();
    DatabaseRestoreStatus s = finished("pitr-restore");
    assertThat(s.phase).as(s.message).isEqualTo("Succeeded");
    assertThat(s.pointInTime).isTrue();
    assertThat(s.oplogEntries).isEqualTo(3L);
    assertThat(s.restored).isEqualTo(Map.of("auto_author_staging.users", 5L));
    assertThat(s.message).contains("as of the end of its dump (3 oplog entries replayed)");
    var restored = stagingDb.client().getDatabase("auto_author_staging").getCollection("users");
    assertThat(restored.find(new Document("_id", 0)).first()).containsEntry("name", "renamed during the dump");
    assertThat(restored.find(new Document("_id", 1)).first()).isNull();
    assertThat(restored.find(new Document("_id", 5)).first()).isNotNull();
    assertThat(stagingDb.counts()).isEqualTo(Map.of("auto_author_staging.users", 5L));
    // the Job had room for the scratch mongod: spec.scratchSizeLimit, defaulted by the API server
    assertThat(client().batch().v1().jobs().inNamespace(staging).withName("pitr-restore-restore").get().getSpec()
        .getTemplate().getSpec().getVolumes()).anyMatch(v -> v.getName().equals("tmp")
            && v.getEmptyDir().getSizeLimit().toString().equals("10Gi"));
    assertThat(BackupFixtures.events(client(), staging, "pitr-restore")).extracting(Event::getReason)
        .contains("RestoreStarted", "Restored");
    IdleWrites.assertNone(NS.tier(), NS.name(), staging);
  }

  DatabaseRestore restoreOf(String name, String key) {
    DatabaseRestore r = BackupFixtures.stagingRestore(staging, name, NS.name(), "pitr");
    r.getSpec().object = key;
    r.getSpec().pointInTime = DatabaseRestoreSpec.PointInTime.Required;
    return r;
  }

  DatabaseRestoreStatus finished(String name) {
    eventually(() -> assertThat(status(name).phase).isIn("Succeeded", "Failed"));
    return status(name);
  }

  DatabaseRestoreStatus status(String name) {
    DatabaseRestore r = client().resources(DatabaseRestore.class).inNamespace(staging).withName(name).get();
    return r == null || r.getStatus() == null ? new DatabaseRestoreStatus() : r.getStatus();
  }

  /** A backup of the DatabaseBackup "pitr" with a manifest that matches its bytes, taken with --oplog or not. */
  String upload(String bucket, Instant at, byte[] archive, boolean pointInTime) throws Exception {
    String key = BackupKeys.archiveKey("prod/", at);
    try (S3Client s3 = s3server.settings(bucket, "prod/").newClient()) {
      s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(archive));
      BackupManifest m = new BackupManifest();
      m.object = key;
      m.sizeBytes = archive.length;
      m.sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(archive));
      m.startedAt = at.toString();
      m.completedAt = at.plusSeconds(1).toString();
      m.counts = new LinkedHashMap<>(Map.of("auto_author.users", 5L));
      m.pointInTime = pointInTime;
      m.topology = pointInTime ? "replicaSet" : "standalone";
      m.verified = true;
      DatabaseBackup b = client().resources(DatabaseBackup.class).inNamespace(NS.name()).withName("pitr").get();
      m.owner = new BackupManifest.Owner(NS.name(), "pitr", b.getMetadata().getUid());
      new BackupCatalog(s3, bucket, "prod/").writeManifest(m);
    }
    return key;
  }
}
