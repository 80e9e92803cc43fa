package dev.turnout.realtier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.turnout.backup.DatabaseBackup;
import dev.turnout.backup.DatabaseBackupStatus;
import dev.turnout.backup.agent.S3TestServer;
import dev.turnout.backup.catalog.BackupCatalog;
import dev.turnout.backup.catalog.BackupKeys;
import dev.turnout.backup.catalog.BackupManifest;
import dev.turnout.common.Labels;
import dev.turnout.mongo.MongoServerFixture;
import dev.turnout.mongo.MongoToolScripts;
import dev.turnout.mongo.SimArchives;
import dev.turnout.restore.DatabaseRestore;
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
 * Issue 11's acceptance on the real tier: the documented staging refresh (k8s/examples/30-backup.yaml and
 * 40-restore-staging.yaml) restores the documents into staging and nothing else; a restore with failed documents or an
 * archive cut midway ends Failed with the counts and leaves the target as it was. The operator jar runs under the
 * chart's RBAC; backup and restore pods run the real agent with the simulated mongodump/mongorestore
 * (MongoToolsSimFactsTest pins them to the real tools' facts) against two real wire-protocol servers, prod and staging.
 */
class RestoreRealIT {
  static final Duration WAIT = Duration.ofSeconds(90);
  @RegisterExtension static final RealNamespace NS = new RealNamespace();
  static S3TestServer s3server;
  static MongoServerFixture prod;
  static MongoServerFixture stagingDb;
  static MongoToolScripts.Tools tools;
  static String staging;

  @BeforeAll
  static void start() throws Exception {
    s3server = new S3TestServer();
    prod = new MongoServerFixture();
    prod.seed("auto_author", "users", 5);
    prod.seed("auto_author", "books", 20);
    prod.seed("billing", "invoices", 7);
    stagingDb = new MongoServerFixture();
    tools = MongoToolScripts.install(Files.createTempDirectory("turnout-restore-real"));
    staging = NS.name() + "-staging";
    client().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(staging)
        .addToLabels("turnout.dev/test", "real-tier").endMetadata().build()).create();
    // as k8s/examples/01-secrets.example.yaml: prod's URI names auto_author, staging's names auto_author_staging
    BackupFixtures.secrets(client(), NS.name(), prod.uri("auto_author"), stagingDb.uri("auto_author_staging"));
    BackupFixtures.secrets(client(), staging, prod.uri("auto_author"), stagingDb.uri("auto_author_staging"));
    NS.tier().simulator().jobs().when(j -> j.getMetadata().getNamespace().equals(NS.name())
        || j.getMetadata().getNamespace().equals(staging)).run(AgentPods.runner(client(), tools));
  }

  @AfterAll
  static void stop() throws Exception {
    client().namespaces().withName(staging).delete();
    s3server.close();
    prod.close();
    stagingDb.close();
  }

  static KubernetesClient client() {
    return NS.tier().admin();
  }

  static void eventually(ThrowingRunnable assertion) {
    await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).untilAsserted(assertion);
  }

  /** A DatabaseBackup of the sample with one verified backup of prod. */
  DatabaseBackup backedUp(String name, String bucket) throws Exception {
    client().resource(BackupFixtures.sample(client(), NS.name(), name, s3server.endpoint(), bucket, "0 3 1 1 *")).create();
    eventually(() -> assertThat(status(name).conditions).anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True")));
    // an update with the copy's resourceVersion, retried on 409 (the operator writes status meanwhile), as kubectl
    // annotate does; then wait until the annotation is really there
    await().atMost(WAIT).ignoreExceptionsInstanceOf(io.fabric8.kubernetes.client.KubernetesClientException.class).until(() -> {
      DatabaseBackup b = client().resources(DatabaseBackup.class).inNamespace(NS.name()).withName(name).get();
      if (b.getMetadata().getAnnotations() == null) {
        b.getMetadata().setAnnotations(new java.util.HashMap<>());
      }
      b.getMetadata().getAnnotations().put(Labels.BACKUP_NOW, "first");
      client().resource(b).update();
      return true;
    });
    eventually(() -> assertThat(client().resources(DatabaseBackup.class).inNamespace(NS.name()).withName(name).get()
        .getMetadata().getAnnotations()).containsEntry(Labels.BACKUP_NOW, "first"));
    eventually(() -> {
      assertThat(status(name).lastSuccessfulBackup).isNotNull();
      assertThat(status(name).lastSuccessfulBackup.verified).isTrue();
    });
    return client().resources(DatabaseBackup.class).inNamespace(NS.name()).withName(name).get();
  }

  DatabaseBackupStatus status(String name) {
    DatabaseBackup b = client().resources(DatabaseBackup.class).inNamespace(NS.name()).withName(name).get();
    return b == null || b.getStatus() == null ? new DatabaseBackupStatus() : b.getStatus();
  }

  DatabaseRestoreStatus restoreStatus(String name) {
    DatabaseRestore r = client().resources(DatabaseRestore.class).inNamespace(staging).withName(name).get();
    return r == null || r.getStatus() == null ? new DatabaseRestoreStatus() : r.getStatus();
  }

  DatabaseRestoreStatus finished(String name) {
    eventually(() -> assertThat(restoreStatus(name).phase).isIn("Succeeded", "Failed"));
    return restoreStatus(name);
  }

  @Test
  void theDocumentedStagingRefreshRestoresTheDocumentsIntoStagingAndNothingElse() throws Exception {
    String bucket = s3server.newBucket();
    // not "prod": the simulator's Job rules are global, and BackupRealIT (running alongside) claims label backup=prod
    DatabaseBackup prodBackup = backedUp("refresh", bucket);
    stagingDb.seed("auto_author_staging", "users", 3); // last week's refresh: replaced
    stagingDb.seed("auto_author_staging", "drafts", 4); // not in the backup: kept
    client().resource(BackupFixtures.stagingRestore(staging, "restore-refresh-latest", NS.name(), "refresh")).create();

    DatabaseRestoreStatus s = finished("restore-refresh-latest");
    assertThat(s.phase).as(s.message).isEqualTo("Succeeded");
    assertThat(s.object).isEqualTo(prodBackup.getStatus().lastSuccessfulBackup.object);
    assertThat(s.restored).isEqualTo(Map.of("auto_author_staging.users", 5L, "auto_author_staging.books", 20L));
    assertThat(s.documents).isEqualTo(25L);
    assertThat(s.message).contains("25 document(s) in 2 collection(s)");
    // what the staging server holds, asked of it: the renamed documents, no billing, no auto_author, no staging leftovers
    assertThat(stagingDb.counts()).isEqualTo(Map.of(
        "auto_author_staging.users", 5L, "auto_author_staging.books", 20L, "auto_author_staging.drafts", 4L));
    assertThat(BackupFixtures.events(client(), staging, "restore-refresh-latest")).extracting(Event::getReason)
        .contains("RestoreStarted", "Restored");
    IdleWrites.assertNone(NS.tier(), NS.name(), staging);
  }

  @Test
  void aRestoreWithDocumentsThatFailToInsertEndsFailedWithTheCountsAndLeavesStagingAsItWas() throws Exception {
    String bucket = s3server.newBucket();
    backedUp("dup", bucket);
    List<Document> users = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      users.add(new Document("_id", i).append("name", "u" + i));
    }
    users.add(new Document("_id", 2).append("name", "a duplicate _id: mongorestore skips it and exits 0"));
    String key = upload(bucket, "dup", SimArchives.archive(Map.of("auto_author.users", users)), Map.of("auto_author.users", 5L));
    Map<String, Long> before = stagingDb.counts();

    client().resource(restoreOf("restore-dup", "dup", key)).create();
    DatabaseRestoreStatus s = finished("restore-dup");
    assertThat(s.phase).isEqualTo("Failed");
    assertThat(s.message).contains("4 restored, 1 failed to restore").contains("the target is unchanged");
    assertThat(s.targetUnchanged).isTrue();
    assertThat(stagingDb.counts()).isEqualTo(before);
    IdleWrites.assertNone(NS.tier(), NS.name(), staging);
  }

  @Test
  void anArchiveCutMidwayEndsFailedAndLeavesStagingAsItWas() throws Exception {
    String bucket = s3server.newBucket();
    backedUp("cut", bucket);
    Map<String, List<Document>> colls = new LinkedHashMap<>();
    colls.put("auto_author.books", docs(300));
    colls.put("auto_author.users", docs(400));
    String key = upload(bucket, "cut", SimArchives.cutInside(colls, "auto_author.users", 150),
        Map.of("auto_author.books", 300L, "auto_author.users", 400L));
    Map<String, Long> before = stagingDb.counts();

    client().resource(restoreOf("restore-cut", "cut", key)).create();
    DatabaseRestoreStatus s = finished("restore-cut");
    assertThat(s.phase).isEqualTo("Failed");
    assertThat(s.message).contains("mongorestore exited 1").contains("the target is unchanged");
    assertThat(s.targetUnchanged).isTrue();
    assertThat(stagingDb.counts()).isEqualTo(before);
    IdleWrites.assertNone(NS.tier(), NS.name(), staging);
  }

  DatabaseRestore restoreOf(String name, String backup, String key) {
    DatabaseRestore r = BackupFixtures.stagingRestore(staging, name, NS.name(), backup);
    r.getSpec().object = key;
    return r;
  }

  static List<Document> docs(int n) {
    List<Document> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(new Document("_id", i).append("v", "x".repeat(40)));
    }
    return out;
  }

  /** An archive no healthy mongodump writes, with a manifest that matches its bytes, owned by the DatabaseBackup. */
  String upload(String bucket, String owner, byte[] archive, Map<String, Long> counts) throws Exception {
    String key = BackupKeys.archiveKey("prod/", Instant.parse("2026-01-02T03:04:05Z"));
    try (S3Client s3 = s3server.settings(bucket, "prod/").newClient()) {
      s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(archive));
      BackupManifest m = new BackupManifest();
      m.object = key;
      m.sizeBytes = archive.length;
      m.sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(archive));
      m.startedAt = "2026-01-02T03:04:05Z";
      m.completedAt = "2026-01-02T03:04:06Z";
      m.counts = new LinkedHashMap<>(counts);
      m.verified = true;
      DatabaseBackup b = client().resources(DatabaseBackup.class).inNamespace(NS.name()).withName(owner).get();
      m.owner = new BackupManifest.Owner(NS.name(), owner, b.getMetadata().getUid());
      new BackupCatalog(s3, bucket, "prod/").writeManifest(m);
    }
    return key;
  }
}
