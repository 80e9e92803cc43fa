package dev.turnout.realtier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.turnout.backup.DatabaseBackup;
import dev.turnout.backup.DatabaseBackupStatus;
import dev.turnout.backup.StorageSpec;
import dev.turnout.backup.agent.S3TestServer;
import dev.turnout.backup.catalog.BackupCatalog;
import dev.turnout.backup.catalog.BackupManifest;
import dev.turnout.common.Labels;
import dev.turnout.mongo.MongoServerFixture;
import dev.turnout.mongo.MongoToolScripts;
import dev.turnout.restore.DatabaseRestore;
import dev.turnout.restore.DatabaseRestoreStatus;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Random;
import org.awaitility.core.ThrowingRunnable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Encryption on the real tier, under the chart's RBAC: a DatabaseBackup with client-side encryption (key Secret mounted
 * into its Jobs, projected as a kubelet does) and SSE-S3 writes a ciphertext archive whose manifest names the key id;
 * a DatabaseRestore in another namespace (its own copy of the key Secret) restores it into staging. The missing key
 * Secret is reported on Ready naming spec.storage.clientSideEncryption.keySecretRef.
 */
class EncryptionRealIT {
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
    stagingDb = new MongoServerFixture();
    tools = MongoToolScripts.install(Files.createTempDirectory("turnout-encryption-real"));
    staging = NS.name() + "-staging";
    client().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(staging)
        .addToLabels("turnout.dev/test", "real-tier").endMetadata().build()).create();
    BackupFixtures.secrets(client(), NS.name(), prod.uri("auto_author"), stagingDb.uri("auto_author_staging"));
    BackupFixtures.secrets(client(), staging, prod.uri("auto_author"), stagingDb.uri("auto_author_staging"));
    // rules are global, the last registered wins: these namespaces are this class's alone
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

  DatabaseBackupStatus status(String name) {
    DatabaseBackup b = client().resources(DatabaseBackup.class).inNamespace(NS.name()).withName(name).get();
    return b == null || b.getStatus() == null ? new DatabaseBackupStatus() : b.getStatus();
  }

  DatabaseRestoreStatus restoreStatus(String name) {
    DatabaseRestore r = client().resources(DatabaseRestore.class).inNamespace(staging).withName(name).get();
    return r == null || r.getStatus() == null ? new DatabaseRestoreStatus() : r.getStatus();
  }

  /** `openssl rand -base64 32`, as the docs tell users to make a key. */
  static String newKey() {
    byte[] k = new byte[32];
    new Random(42).nextBytes(k);
    return Base64.getEncoder().encodeToString(k);
  }

  @Test
  void anEncryptedBackupIsStoredAsCiphertextAndADatabaseRestoreInAnotherNamespaceRestoresIt() throws Exception {
    String bucket = s3server.newBucket();
    DatabaseBackup b = BackupFixtures.sample(client(), NS.name(), "enc", s3server.endpoint(), bucket, "0 3 1 1 *");
    b.getSpec().storage.clientSideEncryption = new StorageSpec.ClientSideEncryption();
    b.getSpec().storage.clientSideEncryption.keySecretRef = new StorageSpec.SecretRef();
    b.getSpec().storage.clientSideEncryption.keySecretRef.name = "backup-keys";
    b.getSpec().storage.clientSideEncryption.keyId = "key-2026-12";
    b.getSpec().storage.s3.serverSideEncryption = new StorageSpec.ServerSideEncryptionSpec();
    b.getSpec().storage.s3.serverSideEncryption.type = StorageSpec.SseType.AES256;
    client().resource(b).create();

    // no key Secret yet: not Ready, the message names the field
    eventually(() -> assertThat(status("enc").conditions).anySatisfy(c -> {
      assertThat(c.getType()).isEqualTo("Ready");
      assertThat(c.getStatus()).isEqualTo("False");
      assertThat(c.getMessage()).contains("spec.storage.clientSideEncryption.keySecretRef").contains("backup-keys");
    }));
    BackupFixtures.secret(client(), NS.name(), "backup-keys", Map.of("key-2026-12", newKey() + "\n"));
    BackupFixtures.secret(client(), staging, "backup-keys", Map.of("key-2026-12", newKey() + "\n"));
    eventually(() -> assertThat(status("enc").conditions).anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True")));

    await().atMost(WAIT).ignoreExceptionsInstanceOf(io.fabric8.kubernetes.client.KubernetesClientException.class).until(() -> {
      DatabaseBackup cur = client().resources(DatabaseBackup.class).inNamespace(NS.name()).withName("enc").get();
      if (cur.getMetadata().getAnnotations() == null) {
        cur.getMetadata().setAnnotations(new java.util.HashMap<>());
      }
      cur.getMetadata().getAnnotations().put(Labels.BACKUP_NOW, "first");
      client().resource(cur).update();
      return true;
    });
    eventually(() -> {
      assertThat(status("enc").lastSuccessfulBackup).isNotNull();
      assertThat(status("enc").lastSuccessfulBackup.verified).isTrue();
    });
    String object = status("enc").lastSuccessfulBackup.object;
    try (S3Client s3 = s3server.settings(bucket, "prod/").newClient()) {
      BackupManifest m = new BackupCatalog(s3, bucket, "prod/").readManifest(object).orElseThrow();
      assertThat(m.encryption.clientSide.keyId).isEqualTo("key-2026-12");
      assertThat(m.encryption.serverSide.type).isEqualTo("AES256");
      byte[] stored = s3.getObjectAsBytes(x -> x.bucket(bucket).key(object)).asByteArray();
      assertThat(stored[0] == (byte) 0x1f && stored[1] == (byte) 0x8b).as("ciphertext, not gzip").isFalse();
      assertThat(s3.headObject(x -> x.bucket(bucket).key(object)).serverSideEncryptionAsString()).isEqualTo("AES256");
    }

    client().resource(BackupFixtures.stagingRestore(staging, "restore-enc", NS.name(), "enc")).create();
    eventually(() -> assertThat(restoreStatus("restore-enc").phase).isIn("Succeeded", "Failed"));
    DatabaseRestoreStatus s = restoreStatus("restore-enc");
    assertThat(s.phase).as(s.message).isEqualTo("Succeeded");
    assertThat(s.object).isEqualTo(object);
    assertThat(stagingDb.counts()).isEqualTo(Map.of("auto_author_staging.users", 5L, "auto_author_staging.books", 20L));
    IdleWrites.assertNone(NS.tier(), NS.name(), staging);
  }
}
