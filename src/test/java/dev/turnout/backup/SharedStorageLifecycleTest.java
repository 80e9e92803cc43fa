package dev.turnout.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.turnout.backup.agent.AgentMain;
import dev.turnout.backup.agent.FakeMongo;
import dev.turnout.backup.agent.S3TestServer;
import dev.turnout.backup.catalog.BackupManifest;
import dev.turnout.common.Labels;
import dev.turnout.common.SecretKeyRef;
import dev.turnout.restore.DatabaseRestore;
import dev.turnout.restore.DatabaseRestoreSpec;
import dev.turnout.restore.DatabaseRestoreStatus;
import dev.turnout.sim.JobResult;
import dev.turnout.testing.EmbeddedClusterResource;
import dev.turnout.testing.Reconciles;
import dev.turnout.testing.Releases;
import dev.turnout.testing.TestClock;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.awaitility.core.ThrowingRunnable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Issue 11 items 7 and 11 on the embedded cluster with the real agent (fake mongodump) and S3Proxy: DatabaseBackups
 * sharing a prefix keep their own backups and are flagged; a hung S3 ends in a condition and holds no reconcile thread.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedClusterResource.class)
class SharedStorageLifecycleTest {
  static final Duration WAIT = Duration.ofSeconds(60);
  static S3TestServer s3server;
  static byte[] archive;
  static Path tmp;

  @Inject KubernetesClient client;
  @Inject TestClock clock;
  @Inject Reconciles reconciles;
  final List<String> agentOutput = new java.util.concurrent.CopyOnWriteArrayList<>();

  @BeforeAll
  static void startS3() throws Exception {
    s3server = new S3TestServer();
    archive = FakeMongo.deterministicArchive(2, 3);
    tmp = Files.createTempDirectory("turnout-shared-storage");
  }

  @AfterAll
  static void stopS3() throws Exception {
    s3server.close();
  }

  void eventually(ThrowingRunnable assertion) {
    await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).untilAsserted(assertion);
  }

  String namespace(String prefix) {
    String ns = Releases.newNamespace(client, prefix);
    secret(ns, "mongodb", Map.of("MONGODB_URI", "mongodb://backup:pw@mongo.example:27017/"));
    secret(ns, "backup-s3", Map.of("AWS_ACCESS_KEY_ID", S3TestServer.ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", S3TestServer.SECRET_KEY));
    secret(ns, "mongodb-staging", Map.of("MONGODB_URI", "mongodb://restore:pw@staging.example:27017/"));
    return ns;
  }

  void secret(String ns, String name, Map<String, String> values) {
    Map<String, String> data = new HashMap<>();
    values.forEach((k, v) -> data.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
    client.resource(new SecretBuilder().withNewMetadata().withName(name).withNamespace(ns).endMetadata().withData(data).build()).create();
  }

  DatabaseBackup sample(String ns, String name, String endpoint, String bucket) throws Exception {
    DatabaseBackup b;
    try (var in = Files.newInputStream(Path.of("k8s/examples/30-backup.yaml"))) {
      b = client.resources(DatabaseBackup.class).load(in).item();
    }
    b.getMetadata().setNamespace(ns);
    b.getMetadata().setName(name);
    b.getSpec().schedule = "0 3 1 1 *";
    b.getSpec().storage.s3.endpoint = endpoint;
    b.getSpec().storage.s3.bucket = bucket;
    b.getSpec().storage.s3.forcePathStyle = true;
    b.getSpec().retention.daily = 1;
    b.getSpec().retention.weekly = 0;
    b.getSpec().retention.monthly = 0;
    return b;
  }

  DatabaseBackupStatus status(String ns, String name) {
    DatabaseBackup b = client.resources(DatabaseBackup.class).inNamespace(ns).withName(name).get();
    return b == null || b.getStatus() == null ? new DatabaseBackupStatus() : b.getStatus();
  }

  DatabaseBackup edit(String ns, String name, Consumer<DatabaseBackup> change) {
    var written = new java.util.concurrent.atomic.AtomicReference<DatabaseBackup>();
    await().atMost(WAIT).ignoreExceptionsInstanceOf(KubernetesClientException.class).until(() -> {
      DatabaseBackup b = client.resources(DatabaseBackup.class).inNamespace(ns).withName(name).get();
      if (b.getMetadata().getAnnotations() == null) {
        b.getMetadata().setAnnotations(new HashMap<>());
      }
      change.accept(b);
      written.set(client.resource(b).update());
      return true;
    });
    return written.get();
  }

  static Condition condition(List<Condition> conditions, String type) {
    return conditions.stream().filter(c -> type.equals(c.getType())).findFirst().orElseThrow(() -> new AssertionError("no condition " + type));
  }

  List<Event> events(String ns) {
    return client.v1().events().inNamespace(ns).list().getItems();
  }

  /** Jobs of these namespaces run the real agent, env as the kubelet resolves it. */
  void runAgentIn(List<String> namespaces, FakeMongo fake) {
    EmbeddedClusterResource.simulator().jobs().when(j -> namespaces.contains(j.getMetadata().getNamespace())).run(job -> runAgent(job, fake));
  }

  JobResult runAgent(Job job, FakeMongo fake) throws Exception {
    String ns = job.getMetadata().getNamespace();
    var container = job.getSpec().getTemplate().getSpec().getContainers().get(0);
    Map<String, String> env = new HashMap<>();
    for (EnvVar e : container.getEnv()) {
      if (e.getValueFrom() != null && e.getValueFrom().getFieldRef() != null) {
        env.put(e.getName(), job.getMetadata().getName());
      } else if (e.getValueFrom() != null) {
        var ref = e.getValueFrom().getSecretKeyRef();
        Secret s = client.secrets().inNamespace(ns).withName(ref.getName()).get();
        env.put(e.getName(), new String(Base64.getDecoder().decode(s.getData().get(ref.getKey())), StandardCharsets.UTF_8));
      } else {
        env.put(e.getName(), e.getValue());
      }
    }
    env.put("MONGO_SERVER_SELECTION_TIMEOUT_MS", "2000"); // no server at the samples' host: fail fast
    env.put("MONGODUMP", fake.mongodump(-1).toString());
    env.put("MONGORESTORE", fake.mongorestore(1000).toString());
    env.put("S3_PART_SIZE_MB", "5");
    List<String> command = container.getCommand();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int rc = AgentMain.run(new String[] {command.get(command.size() - 1)}, env, clock, new PrintStream(out, true), new PrintStream(out, true));
    agentOutput.add(ns + ": " + out.toString(StandardCharsets.UTF_8));
    return rc == 0 ? JobResult.success() : JobResult.failure("BackoffLimitExceeded", "Job has reached the specified backoff limit");
  }

  List<String> archives(String bucket) {
    try (S3Client s3 = s3server.settings(bucket, "prod/").newClient()) {
      return s3.listObjectsV2(b -> b.bucket(bucket)).contents().stream().map(S3Object::key)
          .filter(k -> k.endsWith(".archive.gz")).sorted().toList();
    }
  }

  /** One on-demand backup of ns/name, waited for until it is its newest verified backup; returns its key. */
  String backupNow(String ns, String name, String token) {
    String before = status(ns, name).lastSuccessfulBackup == null ? null : status(ns, name).lastSuccessfulBackup.object;
    edit(ns, name, b -> b.getMetadata().getAnnotations().put(Labels.BACKUP_NOW, token));
    await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).conditionEvaluationListener(c -> {
      if (c.getRemainingTimeInMS() < 200) {
        System.err.println("DEBUG status " + io.fabric8.kubernetes.client.utils.Serialization.asJson(status(ns, name)) + "\nagent: " + agentOutput);
      }
    }).untilAsserted(() -> {
      var last = status(ns, name).lastSuccessfulBackup;
      assertThat(last).isNotNull();
      assertThat(last.object).isNotEqualTo(before);
      assertThat(last.verified).isTrue();
    });
    String key = status(ns, name).lastSuccessfulBackup.object;
    clock.advance(Duration.ofHours(1)); // the next backup gets another key (keys have one-second precision)
    return key;
  }

  /**
   * Issue 11 item 7: two DatabaseBackups (two namespaces, same name) on one bucket and prefix, retention daily 1 each.
   * Each keeps its own newest backup and never prunes the other's, nor a backup without an owner; each reports only
   * its own; both are flagged StorageShared with an Event naming the other; "latest" with storage only is refused
   * naming both, with a backupRef it is that DatabaseBackup's own.
   */
  @Test
  void twoDatabaseBackupsSharingAPrefixKeepTheirOwnRetentionAndAreFlagged() throws Exception {
    String ns1 = namespace("shared-a");
    String ns2 = namespace("shared-b");
    String bucket = s3server.newBucket();
    runAgentIn(List.of(ns1, ns2), new FakeMongo(Files.createTempDirectory(tmp, "shared"), archive));
    // a backup of an older agent (no owner) is already there: nobody's, never pruned
    String ownerless = "prod/2020-01-01T03-00-00Z.archive.gz";
    try (S3Client s3 = s3server.settings(bucket, "prod/").newClient()) {
      s3.putObject(b -> b.bucket(bucket).key(ownerless), RequestBody.fromBytes(archive));
      BackupManifest m = new BackupManifest();
      m.object = ownerless;
      m.sizeBytes = archive.length;
      m.sha256 = "00";
      m.startedAt = "2020-01-01T03:00:00Z";
      m.completedAt = "2020-01-01T03:10:00Z";
      m.verified = true;
      new dev.turnout.backup.catalog.BackupCatalog(s3, bucket, "prod/").writeManifest(m);
    }
    client.resource(sample(ns1, "mongo-prod", s3server.endpoint(), bucket)).create();
    String a1 = backupNow(ns1, "mongo-prod", "a1");
    // the second DatabaseBackup arrives at a bucket that has backups of others: it prunes nothing of theirs
    client.resource(sample(ns2, "mongo-prod", s3server.endpoint(), bucket)).create();
    String b1 = backupNow(ns2, "mongo-prod", "b1");
    assertThat(archives(bucket)).contains(ownerless, a1, b1);
    clock.advance(Duration.ofDays(1));
    String a2 = backupNow(ns1, "mongo-prod", "a2");
    String b2 = backupNow(ns2, "mongo-prod", "b2");

    eventually(() -> {
      assertThat(status(ns1, "mongo-prod").backups).extracting(r -> r.object).containsExactly(a2);
      assertThat(status(ns2, "mongo-prod").backups).extracting(r -> r.object).containsExactly(b2);
    });
    assertThat(archives(bucket)).containsExactlyInAnyOrder(ownerless, a2, b2);
    reconciles.awaitReconciled(edit(ns1, "mongo-prod", b -> b.getMetadata().getAnnotations().put("test/nudge", "1")));
    for (String[] pair : new String[][] {{ns1, ns2}, {ns2, ns1}}) {
      Condition shared = condition(status(pair[0], "mongo-prod").conditions, "StorageShared");
      assertThat(shared.getStatus()).isEqualTo("True");
      assertThat(shared.getReason()).isEqualTo("PrefixShared");
      assertThat(shared.getMessage()).contains("DatabaseBackup " + pair[1] + "/mongo-prod");
      assertThat(events(pair[0])).anySatisfy(e -> {
        assertThat(e.getReason()).isEqualTo("StorageShared");
        assertThat(e.getMessage()).contains(pair[1] + "/mongo-prod");
      });
    }
    assertThat(condition(status(ns1, "mongo-prod").conditions, "StorageReachable").getMessage())
        .contains("DatabaseBackup " + ns2 + "/mongo-prod").contains("no owner");

    // restore "latest": with a backupRef the DatabaseBackup's own; with the storage only, refused naming the owners
    DatabaseRestore byRef = restore(ns1, "by-ref", null);
    client.resource(byRef).create();
    eventually(() -> assertThat(restoreStatus(ns1, "by-ref").object).isEqualTo(a2));
    DatabaseRestore byStorage = restore(ns1, "by-storage", sample(ns1, "x", s3server.endpoint(), bucket).getSpec().storage);
    client.resource(byStorage).create();
    eventually(() -> {
      DatabaseRestoreStatus s = restoreStatus(ns1, "by-storage");
      assertThat(s.phase).isEqualTo("Failed");
      assertThat(s.message).contains("ambiguous").contains(ns1 + "/mongo-prod").contains(ns2 + "/mongo-prod");
      assertThat(s.jobName).isNull();
    });
  }

  DatabaseRestore restore(String ns, String name, StorageSpec storage) {
    DatabaseRestore r = new DatabaseRestore();
    r.getMetadata().setName(name);
    r.getMetadata().setNamespace(ns);
    DatabaseRestoreSpec spec = new DatabaseRestoreSpec();
    if (storage == null) {
      spec.backupRef = new DatabaseRestoreSpec.BackupRef();
      spec.backupRef.name = "mongo-prod";
    } else {
      spec.storage = storage;
    }
    spec.object = "latest";
    spec.target = new DatabaseRestoreSpec.Target();
    spec.target.uriSecretRef = new SecretKeyRef("mongodb-staging", "MONGODB_URI");
    r.setSpec(spec);
    return r;
  }

  DatabaseRestoreStatus restoreStatus(String ns, String name) {
    DatabaseRestore r = client.resources(DatabaseRestore.class).inNamespace(ns).withName(name).get();
    return r == null || r.getStatus() == null ? new DatabaseRestoreStatus() : r.getStatus();
  }

  /**
   * Issue 11 item 11: S3 that accepts connections and never answers. More DatabaseBackups on it than there are
   * reconcile threads do not hold them: another DatabaseBackup is listed meanwhile, a hung one is still reconciled
   * (nudged), and each hung one ends with StorageReachable=False, StorageTimeout, naming the time limit.
   */
  @Test
  void aHungS3EndsInAConditionAndHoldsNoReconcileThread() throws Exception {
    try (ServerSocket hung = new ServerSocket(0, 200)) { // connections complete in the kernel's backlog; nothing answers
      String hungEndpoint = "http://127.0.0.1:" + hung.getLocalPort();
      String ns = namespace("s3-hung");
      List<String> names = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        names.add("hung-" + i);
        client.resource(sample(ns, "hung-" + i, hungEndpoint, "hung-bucket")).create();
      }
      String ok = namespace("s3-fine");
      String bucket = s3server.newBucket();
      client.resource(sample(ok, "mongo-prod", s3server.endpoint(), bucket)).create();
      await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
          assertThat(condition(status(ok, "mongo-prod").conditions, "StorageReachable").getStatus()).isEqualTo("True"));
      reconciles.awaitReconciled(edit(ns, "hung-0", b -> b.getMetadata().getAnnotations().put("test/nudge", "1")));
      eventually(() -> {
        for (String name : names) {
          Condition c = condition(status(ns, name).conditions, "StorageReachable");
          assertThat(c.getStatus()).isEqualTo("False");
          assertThat(c.getReason()).isEqualTo("StorageTimeout");
          assertThat(c.getMessage()).contains("did not answer within 5 s").contains(hungEndpoint);
        }
      });
      assertThat(events(ns)).anySatisfy(e -> assertThat(e.getReason()).isEqualTo("StorageTimeout"));
    }
  }
}
