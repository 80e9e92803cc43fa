package dev.turnout.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.turnout.apprelease.AppRelease;
import dev.turnout.apprelease.AppReleaseStatus;
import dev.turnout.backup.agent.AgentMain;
import dev.turnout.backup.agent.FakeMongo;
import dev.turnout.mongo.MongoServerFixture;
import dev.turnout.mongo.MongoToolScripts;
import dev.turnout.backup.agent.S3TestServer;
import dev.turnout.backup.catalog.BackupCatalog;
import dev.turnout.common.Labels;
import dev.turnout.common.LocalObjectRef;
import dev.turnout.common.SecretKeyRef;
import dev.turnout.restore.DatabaseRestore;
import dev.turnout.restore.DatabaseRestoreSpec;
import dev.turnout.restore.DatabaseRestoreStatus;
import dev.turnout.sim.ClusterSimulator;
import dev.turnout.sim.JobResult;
import dev.turnout.testing.ApiWrites;
import dev.turnout.testing.EmbeddedClusterResource;
import dev.turnout.testing.Reconciles;
import dev.turnout.testing.Releases;
import dev.turnout.testing.TestClock;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.awaitility.core.ThrowingRunnable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * DatabaseBackup and DatabaseRestore on the embedded cluster: the simulated Job controller runs the REAL backup agent
 * (AgentMain, in this JVM) with fake mongodump/mongorestore against S3Proxy, with the Job's env resolved from Secrets.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedClusterResource.class)
class DatabaseBackupLifecycleTest {
  static final Duration WAIT = Duration.ofSeconds(40);
  static final String MONGO_URI = "mongodb://backup:Mongo-Pa55-secret@mongo.example:27017/?authSource=admin";
  static S3TestServer s3server;
  /** Real wire-protocol servers: the agent asks prod for its topology; restores go into staging. */
  static MongoServerFixture prod;
  static MongoServerFixture staging;
  static MongoToolScripts.Tools tools;
  static byte[] archive;
  static Path tmpRoot;

  @Inject KubernetesClient client;
  @Inject TestClock clock;
  @Inject MeterRegistry registry;
  @Inject Reconciles reconciles;

  /** Agent output of every run, for assertions on what only logs say. */
  final List<String> agentOutput = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void startS3() throws Exception {
    s3server = new S3TestServer();
    archive = FakeMongo.deterministicArchive(1, 7);
    tmpRoot = Files.createTempDirectory("turnout-backup-test");
    prod = new MongoServerFixture();
    prod.seed("auto_author", "users", 5);
    prod.seed("auto_author", "books", 20);
    staging = new MongoServerFixture();
    tools = MongoToolScripts.install(tmpRoot.resolve("mongo-tools"));
  }

  @AfterAll
  static void stopS3() throws Exception {
    s3server.close();
    prod.close();
    staging.close();
  }

  ClusterSimulator sim() {
    return EmbeddedClusterResource.simulator();
  }

  void eventually(ThrowingRunnable assertion) {
    await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).untilAsserted(assertion);
  }

  // ------------------------------------------------------------------------------------------------ fixtures

  /** A namespace with the sample's Secrets, and a new bucket. */
  /** sim: the Jobs run the simulated mongodump/mongorestore against the fixtures, else the byte-writing fakes. */
  record Env(String ns, String bucket, FakeMongo fake, boolean sim) {}

  Env env(String prefix) throws Exception {
    return env(prefix, false);
  }

  Env env(String prefix, boolean sim) throws Exception {
    String ns = Releases.newNamespace(client, prefix);
    secret(ns, "mongodb", Map.of("MONGODB_URI", prod.uri()));
    secret(ns, "backup-s3", Map.of("AWS_ACCESS_KEY_ID", S3TestServer.ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", S3TestServer.SECRET_KEY));
    secret(ns, "mongodb-staging", Map.of("MONGODB_URI", staging.uri()));
    Path dir = Files.createTempDirectory(tmpRoot, ns);
    return new Env(ns, s3server.newBucket(), new FakeMongo(dir, archive), sim);
  }

  void secret(String ns, String name, Map<String, String> values) {
    Map<String, String> data = new HashMap<>();
    values.forEach((k, v) -> data.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
    client.resource(new SecretBuilder().withNewMetadata().withName(name).withNamespace(ns).endMetadata().withData(data).build()).create();
  }

  /** k8s/examples/30-backup.yaml in the namespace; storage pointed at S3Proxy when bucket is given. */
  DatabaseBackup sample(String ns, String bucket) throws Exception {
    DatabaseBackup b;
    try (var in = Files.newInputStream(Path.of("k8s/examples/30-backup.yaml"))) {
      b = client.resources(DatabaseBackup.class).load(in).item();
    }
    b.getMetadata().setNamespace(ns);
    if (bucket != null) {
      b.getSpec().storage.s3.endpoint = s3server.endpoint();
      b.getSpec().storage.s3.bucket = bucket;
      b.getSpec().storage.s3.forcePathStyle = true;
    }
    return b;
  }

  Resource<DatabaseBackup> backup(String ns) {
    return client.resources(DatabaseBackup.class).inNamespace(ns).withName("mongo-prod");
  }

  DatabaseBackupStatus status(String ns) {
    DatabaseBackup b = backup(ns).get();
    return b == null || b.getStatus() == null ? new DatabaseBackupStatus() : b.getStatus();
  }

  /** Read, modify, write (retried on conflict); returns the object as written. */
  DatabaseBackup edit(String ns, Consumer<DatabaseBackup> change) {
    java.util.concurrent.atomic.AtomicReference<DatabaseBackup> written = new java.util.concurrent.atomic.AtomicReference<>();
    await().atMost(WAIT).ignoreExceptionsInstanceOf(KubernetesClientException.class).until(() -> {
      DatabaseBackup b = backup(ns).get();
      change.accept(b);
      written.set(client.resource(b).update());
      return true;
    });
    return written.get();
  }

  /** A metadata-only change: the operator reconciles (it is not generation-aware) and nothing in the spec moves. */
  DatabaseBackup nudge(String ns) {
    return edit(ns, b -> b.getMetadata().getAnnotations().put("test/nudge", String.valueOf(System.nanoTime())));
  }

  void backupNow(String ns, String token) {
    edit(ns, b -> b.getMetadata().getAnnotations().put(Labels.BACKUP_NOW, token));
  }

  static Condition condition(List<Condition> conditions, String type) {
    return conditions.stream().filter(c -> type.equals(c.getType())).findFirst().orElseThrow(() -> new AssertionError("no condition " + type));
  }

  List<Event> events(String ns) {
    return client.v1().events().inNamespace(ns).list().getItems();
  }

  List<String> eventReasons(String ns) {
    return events(ns).stream().map(Event::getReason).toList();
  }

  S3Client s3(String bucket) {
    return s3server.settings(bucket, "prod/").newClient();
  }

  List<String> keys(String bucket) {
    try (S3Client s3 = s3(bucket)) {
      return s3.listObjectsV2(b -> b.bucket(bucket)).contents().stream().map(S3Object::key).sorted().toList();
    }
  }

  static String sha256(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  /** Jobs of this namespace run the real agent; failDumpAfter >= 0 makes mongodump fail after that many bytes. */
  void runAgentFor(Env env, long failDumpAfter) {
    runAgentFor(env, failDumpAfter, null);
  }

  void runAgentFor(Env env, long failDumpAfter, CountDownLatch gate) {
    sim().jobs().when(j -> env.ns().equals(j.getMetadata().getNamespace())).run(job -> {
      if (gate != null) {
        gate.await(WAIT.toSeconds(), TimeUnit.SECONDS);
      }
      return runAgent(job, env, failDumpAfter);
    });
  }

  /** What the kubelet would do: env from the Job's template, secretKeyRef values read from the Secrets. */
  JobResult runAgent(Job job, Env envOf, long failDumpAfter) throws Exception {
    FakeMongo fake = envOf.fake();
    String ns = job.getMetadata().getNamespace();
    var container = job.getSpec().getTemplate().getSpec().getContainers().get(0);
    Map<String, String> env = new HashMap<>();
    for (EnvVar e : container.getEnv()) {
      if (e.getValueFrom() != null && e.getValueFrom().getFieldRef() != null) {
        // the pod's job-name label, which the Job controller sets to the Job's name
        assertThat(e.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.labels['job-name']");
        env.put(e.getName(), job.getMetadata().getName());
      } else if (e.getValueFrom() != null) {
        var ref = e.getValueFrom().getSecretKeyRef();
        Secret s = client.secrets().inNamespace(ns).withName(ref.getName()).get();
        env.put(e.getName(), new String(Base64.getDecoder().decode(s.getData().get(ref.getKey())), StandardCharsets.UTF_8));
      } else {
        env.put(e.getName(), e.getValue());
      }
    }
    env.put("MONGODUMP", envOf.sim() ? tools.mongodump().toString() : fake.mongodump(failDumpAfter).toString());
    env.put("MONGORESTORE", envOf.sim() ? tools.mongorestore().toString() : fake.mongorestore(1000).toString());
    env.put("S3_PART_SIZE_MB", "5");
    env.put("MONGO_SERVER_SELECTION_TIMEOUT_MS", "3000");
    List<String> command = container.getCommand();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int rc = AgentMain.run(new String[] {command.get(command.size() - 1)}, env, clock, new PrintStream(out, true), new PrintStream(err, true));
    agentOutput.add(out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8));
    // the Job controller reports only that the pod failed; why is in the pod's log
    return rc == 0 ? JobResult.success() : JobResult.failure("BackoffLimitExceeded", "Job has reached the specified backoff limit");
  }

  void assertNoSecretsIn(String ns) {
    String all = Serialization.asJson(backup(ns).get().getStatus()) + Serialization.asJson(events(ns));
    assertThat(all).doesNotContain(S3TestServer.SECRET_KEY).doesNotContain(S3TestServer.ACCESS_KEY).doesNotContain("Mongo-Pa55-secret");
  }

  // ------------------------------------------------------------------------------------------------ tests

  @Test
  void sampleBackupGetsItsCronJobFieldByFieldAndNoWritesWhenUnchanged() throws Exception {
    Env env = env("dbb-cron");
    String ns = env.ns();
    DatabaseBackup created = client.resource(sample(ns, env.bucket())).create();
    Resource<CronJob> cron = client.batch().v1().cronjobs().inNamespace(ns).withName("mongo-prod-backup");
    eventually(() -> assertThat(cron.get()).isNotNull());
    CronJob cj = cron.get();
    assertThat(cj.getMetadata().getOwnerReferences()).singleElement().satisfies(r -> {
      assertThat(r.getKind()).isEqualTo("DatabaseBackup");
      assertThat(r.getName()).isEqualTo("mongo-prod");
      assertThat(r.getUid()).isEqualTo(created.getMetadata().getUid());
      assertThat(r.getController()).isTrue();
    });
    assertThat(cj.getMetadata().getLabels()).containsEntry(Labels.MANAGED_BY, "turnout").containsEntry(Labels.BACKUP, "mongo-prod");
    var spec = cj.getSpec();
    assertThat(spec.getSchedule()).isEqualTo("0 3 * * *");
    assertThat(spec.getTimeZone()).isEqualTo("Etc/UTC");
    assertThat(spec.getConcurrencyPolicy()).isEqualTo("Forbid");
    assertThat(spec.getStartingDeadlineSeconds()).isEqualTo(3600L);
    assertThat(spec.getSuccessfulJobsHistoryLimit()).isEqualTo(3);
    assertThat(spec.getFailedJobsHistoryLimit()).as("failed jobs' logs kept").isEqualTo(5);
    assertThat(spec.getSuspend()).isFalse();
    assertThat(spec.getJobTemplate().getMetadata().getLabels()).containsEntry(Labels.BACKUP, "mongo-prod");
    JobSpec job = spec.getJobTemplate().getSpec();
    assertThat(job.getBackoffLimit()).isEqualTo(1);
    assertThat(job.getActiveDeadlineSeconds()).isEqualTo(7200L);
    var pod = job.getTemplate().getSpec();
    assertThat(pod.getRestartPolicy()).isEqualTo("Never");
    assertThat(pod.getAutomountServiceAccountToken()).isFalse();
    var c = pod.getContainers().get(0);
    assertThat(c.getImage()).isEqualTo("ghcr.io/turnout-dev/turnout-operator:latest");
    assertThat(c.getCommand()).last().isEqualTo("backup-and-verify");
    assertThat(String.join(" ", c.getCommand())).doesNotContain("mongodb://");
    Map<String, EnvVar> envs = new HashMap<>();
    c.getEnv().forEach(e -> envs.put(e.getName(), e));
    assertThat(envs.get("MONGODB_URI").getValue()).isNull();
    assertThat(envs.get("MONGODB_URI").getValueFrom().getSecretKeyRef().getName()).isEqualTo("mongodb");
    assertThat(envs.get("MONGODB_URI").getValueFrom().getSecretKeyRef().getKey()).isEqualTo("MONGODB_URI");
    assertThat(envs.get("AWS_ACCESS_KEY_ID").getValueFrom().getSecretKeyRef().getName()).isEqualTo("backup-s3");
    assertThat(envs.get("AWS_SECRET_ACCESS_KEY").getValueFrom().getSecretKeyRef().getKey()).isEqualTo("AWS_SECRET_ACCESS_KEY");
    assertThat(envs.get("S3_BUCKET").getValue()).isEqualTo(env.bucket());
    assertThat(envs.get("S3_PREFIX").getValue()).isEqualTo("prod/");
    assertThat(envs.get("S3_REGION").getValue()).isEqualTo("eu-west-1");
    assertThat(envs.get("S3_ENDPOINT").getValue()).isEqualTo(s3server.endpoint());
    assertThat(envs.get("TIME_ZONE").getValue()).isEqualTo("Etc/UTC");
    assertThat(envs.get("VERIFY_MODE").getValue()).isEqualTo("Checksum");
    assertThat(envs.get("DATABASES").getValue()).isEmpty();

    Instant now = clock.instant();
    Instant today3 = LocalDate.ofInstant(now, ZoneOffset.UTC).atTime(3, 0).toInstant(ZoneOffset.UTC);
    Instant expectedNext = now.isBefore(today3) ? today3 : today3.plus(Duration.ofDays(1));
    eventually(() -> {
      DatabaseBackupStatus s = status(ns);
      assertThat(condition(s.conditions, "Ready").getStatus()).isEqualTo("True");
      assertThat(s.nextScheduleTime).isEqualTo(expectedNext.toString());
      assertThat(condition(s.conditions, "LastBackupSucceeded").getStatus()).isEqualTo("Unknown");
      assertThat(condition(s.conditions, "Verified").getObservedGeneration()).isEqualTo(backup(ns).get().getMetadata().getGeneration());
    });

    // unchanged: no write to the CronJob
    String rv = cron.get().getMetadata().getResourceVersion();
    reconciles.awaitReconciled(nudge(ns));
    assertThat(cron.get().getMetadata().getResourceVersion()).isEqualTo(rv);
    // suspend maps to the CronJob's suspend
    edit(ns, b -> b.getSpec().suspend = true);
    eventually(() -> {
      assertThat(cron.get().getSpec().getSuspend()).isTrue();
      assertThat(status(ns).nextScheduleTime).isNull();
    });
  }

  @Test
  void aCronJobTurnoutDidNotCreateIsRefusedAndLeftAlone() throws Exception {
    Env env = env("dbb-conflict");
    String ns = env.ns();
    CronJob foreign = new CronJobBuilder().withNewMetadata().withName("mongo-prod-backup").withNamespace(ns).endMetadata()
        .withNewSpec().withSchedule("0 1 * * *").withNewJobTemplate().withNewSpec().withNewTemplate().withNewSpec()
        .addNewContainer().withName("x").withImage("busybox").endContainer().withRestartPolicy("Never").endSpec().endTemplate()
        .endSpec().endJobTemplate().endSpec().build();
    String rv = client.resource(foreign).create().getMetadata().getResourceVersion();
    client.resource(sample(ns, env.bucket())).create();
    eventually(() -> {
      Condition ready = condition(status(ns).conditions, "Ready");
      assertThat(ready.getStatus()).isEqualTo("False");
      assertThat(ready.getReason()).isEqualTo("CronJobConflict");
      assertThat(ready.getMessage()).contains("not owned by DatabaseBackup mongo-prod");
      assertThat(eventReasons(ns)).contains("CronJobConflict");
    });
    assertThat(client.batch().v1().cronjobs().inNamespace(ns).withName("mongo-prod-backup").get().getMetadata().getResourceVersion())
        .isEqualTo(rv);
  }

  @Test
  void scheduledRunWithTheRealAgentReportsTheManifest() throws Exception {
    Env env = env("dbb-run");
    String ns = env.ns();
    runAgentFor(env, -1);
    client.resource(sample(ns, env.bucket())).create();
    eventually(() -> assertThat(client.batch().v1().cronjobs().inNamespace(ns).withName("mongo-prod-backup").get()).isNotNull());
    assertThat(sim().cronJobs().trigger(ns, "mongo-prod-backup")).isPresent();
    String expectedSha = sha256(archive);
    eventually(() -> {
      DatabaseBackupStatus s = status(ns);
      assertThat(s.lastSuccessfulBackup).isNotNull();
      assertThat(s.lastSuccessfulBackup.sha256).isEqualTo(expectedSha);
      assertThat(s.lastSuccessfulBackup.sizeBytes).isEqualTo(archive.length);
      assertThat(s.lastSuccessfulBackup.verified).isTrue();
      assertThat(s.lastSuccessfulBackup.object).startsWith("prod/").endsWith(".archive.gz");
      assertThat(s.lastSuccessTime).isEqualTo(s.lastSuccessfulBackup.completedAt);
      assertThat(s.lastSuccessSize).endsWith("MiB");
      assertThat(s.lastScheduleTime).isNotNull();
      assertThat(s.backups).hasSize(1);
      assertThat(condition(s.conditions, "LastBackupSucceeded").getStatus()).isEqualTo("True");
      assertThat(condition(s.conditions, "Verified").getStatus()).isEqualTo("True");
      assertThat(s.lastFailure).isNull();
    });
    assertThat(eventReasons(ns)).contains("BackupSucceeded");
    assertNoSecretsIn(ns);
    try (S3Client s3 = s3(env.bucket())) {
      byte[] stored = s3.getObjectAsBytes(b -> b.bucket(env.bucket()).key(status(ns).lastSuccessfulBackup.object)).asByteArray();
      assertThat(stored).isEqualTo(archive);
    }
    eventually(() -> {
      assertThat(registry.find("turnout.backup.runs").tags("namespace", ns, "backup", "mongo-prod", "result", "success").counter())
          .isNotNull();
      assertThat(registry.find("turnout.backup.last.size.bytes").tags("namespace", ns).gauge().value()).isEqualTo(archive.length);
      assertThat(registry.find("turnout.backup.last.verified.timestamp.seconds").tags("namespace", ns).gauge().value()).isPositive();
      // what the chart's backup alerts compare against: a daily schedule, one verified backup, nothing before it
      assertThat(registry.find("turnout.backup.schedule.interval.seconds").tags("namespace", ns).gauge().value()).isEqualTo(86400);
      assertThat(registry.find("turnout.backup.created.timestamp.seconds").tags("namespace", ns).gauge().value()).isPositive();
      assertThat(registry.find("turnout.backup.last.verification.failed").tags("namespace", ns).gauge().value()).isZero();
      assertThat(registry.find("turnout.backup.previous.size.bytes").tags("namespace", ns).gauge()).isNull();
    });
  }

  @Test
  void dumpFailingMidStreamReportsTheFailureAndCountsNoBackup() throws Exception {
    Env env = env("dbb-fail");
    String ns = env.ns();
    runAgentFor(env, 100_000);
    client.resource(sample(ns, env.bucket())).create();
    eventually(() -> assertThat(client.batch().v1().cronjobs().inNamespace(ns).withName("mongo-prod-backup").get()).isNotNull());
    assertThat(sim().cronJobs().trigger(ns, "mongo-prod-backup")).isPresent();
    eventually(() -> {
      DatabaseBackupStatus s = status(ns);
      assertThat(s.lastFailure).isNotNull();
      assertThat(s.lastFailure.reason).isEqualTo("BackoffLimitExceeded");
      assertThat(s.lastFailure.message).contains("mongo-prod-backup-").contains("backoff limit");
      assertThat(condition(s.conditions, "LastBackupSucceeded").getStatus()).isEqualTo("False");
      assertThat(s.lastSuccessfulBackup).isNull();
      assertThat(s.backups).isEmpty();
    });
    assertThat(eventReasons(ns)).contains("BackupFailed");
    assertThat(keys(env.bucket())).as("no manifest, no archive").isEmpty();
    assertThat(agentOutput).anySatisfy(o -> assertThat(o).contains("mongodump exited 1"));
    assertNoSecretsIn(ns);
  }

  @Test
  void backupNowRunsExactlyOneJobPerToken() throws Exception {
    Env env = env("dbb-now");
    String ns = env.ns();
    sim().jobs().when(j -> ns.equals(j.getMetadata().getNamespace())).succeed();
    client.resource(sample(ns, env.bucket())).create();
    eventually(() -> assertThat(condition(status(ns).conditions, "Ready").getStatus()).isEqualTo("True"));
    backupNow(ns, "t1");
    eventually(() -> assertThat(status(ns).lastBackupNowToken).isEqualTo("t1"));
    DatabaseBackup nudged = null;
    for (int i = 0; i < 3; i++) {
      nudged = nudge(ns);
    }
    reconciles.awaitReconciled(nudged);
    assertThat(onDemandJobs(ns)).hasSize(1);
    backupNow(ns, "t2");
    eventually(() -> assertThat(status(ns).lastBackupNowToken).isEqualTo("t2"));
    reconciles.awaitReconciled(nudge(ns));
    assertThat(onDemandJobs(ns)).hasSize(2).allSatisfy(j -> assertThat(j.getMetadata().getName()).startsWith("mongo-prod-now-"));
    assertThat(eventReasons(ns).stream().filter("BackupRequested"::equals)).hasSize(2);
  }

  List<Job> onDemandJobs(String ns) {
    return client.batch().v1().jobs().inNamespace(ns).withLabel(Labels.BACKUP, "mongo-prod").list().getItems().stream()
        .filter(j -> j.getMetadata().getAnnotations() != null && j.getMetadata().getAnnotations().containsKey(Labels.BACKUP_NOW))
        .toList();
  }

  @Test
  void retentionPrunesOldBackupsButNeverTheNewestVerifiedNorForeignObjects() throws Exception {
    Env env = env("dbb-retention");
    String ns = env.ns();
    runAgentFor(env, -1);
    try (S3Client s3 = s3(env.bucket())) {
      s3.putObject(b -> b.bucket(env.bucket()).key("prod/README.txt"), RequestBody.fromString("not a backup"));
      s3.putObject(b -> b.bucket(env.bucket()).key("other/2020-01-01T03-00-00Z.archive.gz"), RequestBody.fromString("x"));
    }
    DatabaseBackup b = sample(ns, env.bucket());
    b.getSpec().retention.daily = 2;
    b.getSpec().retention.weekly = 0;
    b.getSpec().retention.monthly = 0;
    client.resource(b).create();
    eventually(() -> assertThat(condition(status(ns).conditions, "Ready").getStatus()).isEqualTo("True"));
    String previous = null;
    for (int i = 1; i <= 4; i++) {
      backupNow(ns, "day-" + i);
      String before = previous;
      eventually(() -> {
        var last = status(ns).lastSuccessfulBackup;
        assertThat(last).isNotNull();
        assertThat(last.object).isNotEqualTo(before);
        assertThat(last.verified).isTrue();
      });
      previous = status(ns).lastSuccessfulBackup.object;
      clock.advance(Duration.ofDays(1));
    }
    String newest = previous;
    eventually(() -> {
      DatabaseBackupStatus s = status(ns);
      assertThat(s.backups).hasSize(2);
      assertThat(s.backups.get(0).object).isEqualTo(newest);
    });
    List<String> keys = keys(env.bucket());
    assertThat(keys).contains("prod/README.txt", "other/2020-01-01T03-00-00Z.archive.gz", newest);
    assertThat(keys.stream().filter(k -> k.endsWith(".archive.gz") && k.startsWith("prod/"))).hasSize(2);
    assertThat(eventReasons(ns)).contains("Pruned");
    try (S3Client s3 = s3(env.bucket())) {
      assertThat(new BackupCatalog(s3, env.bucket(), "prod/").latestVerified().orElseThrow().archiveKey()).isEqualTo(newest);
    }
    assertThat(registry.find("turnout.backup.pruned").tags("namespace", ns).counter().count()).isEqualTo(2.0);
  }

  DatabaseRestore restore(String ns, String name, String object) {
    DatabaseRestore r = new DatabaseRestore();
    r.getMetadata().setName(name);
    r.getMetadata().setNamespace(ns);
    DatabaseRestoreSpec spec = new DatabaseRestoreSpec();
    spec.backupRef = new DatabaseRestoreSpec.BackupRef();
    spec.backupRef.name = "mongo-prod";
    spec.object = object;
    spec.target = new DatabaseRestoreSpec.Target();
    spec.target.uriSecretRef = new SecretKeyRef("mongodb-staging", "MONGODB_URI");
    spec.drop = true;
    r.setSpec(spec);
    return r;
  }

  DatabaseRestoreStatus restoreStatus(String ns, String name) {
    DatabaseRestore r = client.resources(DatabaseRestore.class).inNamespace(ns).withName(name).get();
    return r == null || r.getStatus() == null ? new DatabaseRestoreStatus() : r.getStatus();
  }

  @Test
  void restoreLatestRoundTripsAndAChecksumMismatchFails() throws Exception {
    Env env = env("dbr", true);
    String ns = env.ns();
    staging.reset();
    staging.seed("auto_author", "users", 2); // last week's staging data: replaced (drop: true)
    runAgentFor(env, -1);
    client.resource(sample(ns, env.bucket())).create();
    eventually(() -> assertThat(condition(status(ns).conditions, "Ready").getStatus()).isEqualTo("True"));
    backupNow(ns, "for-restore");
    eventually(() -> assertThat(status(ns).lastSuccessfulBackup).isNotNull());
    String object = status(ns).lastSuccessfulBackup.object;
    String sha = status(ns).lastSuccessfulBackup.sha256;

    client.resource(restore(ns, "restore-latest", "latest")).create();
    eventually(() -> {
      DatabaseRestoreStatus s = restoreStatus(ns, "restore-latest");
      assertThat(s.phase).isEqualTo("Succeeded");
      assertThat(s.object).isEqualTo(object);
      assertThat(s.sha256).isEqualTo(sha);
      assertThat(condition(s.conditions, "Complete").getStatus()).isEqualTo("True");
    });
    // what the target holds, asked of the server: the backup's collections, nothing of the server's own
    assertThat(staging.counts()).isEqualTo(Map.of("auto_author.users", 5L, "auto_author.books", 20L));

    // corrupt one byte, same size: only the agent's checks (before mongorestore) can see it
    byte[] whole;
    try (S3Client s3 = s3(env.bucket())) {
      whole = s3.getObjectAsBytes(b -> b.bucket(env.bucket()).key(object)).asByteArray();
      byte[] corrupt = whole.clone();
      corrupt[corrupt.length / 2] ^= 0x01;
      s3.putObject(b -> b.bucket(env.bucket()).key(object), RequestBody.fromBytes(corrupt));
    }
    staging.seed("auto_author", "notes", 3);
    client.resource(restore(ns, "restore-corrupt", object)).create();
    eventually(() -> {
      DatabaseRestoreStatus s = restoreStatus(ns, "restore-corrupt");
      assertThat(s.phase).isEqualTo("Failed");
      assertThat(s.message).contains("restore Job restore-corrupt-restore failed");
      assertThat(condition(s.conditions, "Complete").getStatus()).isEqualTo("False");
    });
    assertThat(staging.counts()).as("mongorestore never got the corrupt archive")
        .isEqualTo(Map.of("auto_author.users", 5L, "auto_author.books", 20L, "auto_author.notes", 3L));
    assertThat(agentOutput).anySatisfy(o -> assertThat(o).contains("refusing to restore"));
    assertThat(eventReasons(ns)).contains("Restored", "RestoreFailed");

    // a truncated archive is refused by the operator before any Job runs
    try (S3Client s3 = s3(env.bucket())) {
      s3.putObject(b -> b.bucket(env.bucket()).key(object), RequestBody.fromBytes(java.util.Arrays.copyOf(whole, 1000)));
    }
    client.resource(restore(ns, "restore-truncated", object)).create();
    eventually(() -> {
      DatabaseRestoreStatus s = restoreStatus(ns, "restore-truncated");
      assertThat(s.phase).isEqualTo("Failed");
      assertThat(s.message).contains("1000 bytes but its manifest says " + whole.length);
      assertThat(s.jobName).isNull();
    });
  }

  @Test
  void backupBeforePromotionHoldsTheSwitchUntilAVerifiedBackupNewerThanTheRevision() throws Exception {
    Env env = env("dbb-gate");
    String ns = env.ns();
    CountDownLatch allow = new CountDownLatch(1);
    sim().jobs().when(j -> ns.equals(j.getMetadata().getNamespace()) && j.getMetadata().getLabels().containsKey(Labels.BACKUP))
        .run(job -> runAgent(job, env, -1));
    client.resource(sample(ns, env.bucket())).create();
    backupNow(ns, "before-the-revision");
    eventually(() -> assertThat(status(ns).lastSuccessfulBackup).isNotNull());
    String old = status(ns).lastSuccessfulBackup.object;

    // live on blue without the gate
    client.resource(Releases.backend(ns, "1.0.0", 1)).create();
    Resource<AppRelease> release = client.resources(AppRelease.class).inNamespace(ns).withName("backend");
    eventually(() -> {
      assertThat(release.get().getStatus()).isNotNull();
      assertThat(release.get().getStatus().phase).isEqualTo("Healthy");
    });
    clock.advance(Duration.ofSeconds(60));

    // from now on backups wait until the test allows them
    sim().jobs().when(j -> ns.equals(j.getMetadata().getNamespace()) && j.getMetadata().getLabels().containsKey(Labels.BACKUP))
        .run(job -> {
          allow.await(WAIT.toSeconds(), TimeUnit.SECONDS);
          return runAgent(job, env, -1);
        });
    await().atMost(WAIT).ignoreExceptionsInstanceOf(KubernetesClientException.class).until(() -> {
      AppRelease ar = release.get();
      ar.getSpec().version = "1.1.0";
      ar.getSpec().backupBeforePromotion = new LocalObjectRef("mongo-prod");
      client.resource(ar).update();
      return true;
    });
    eventually(() -> {
      AppReleaseStatus s = release.get().getStatus();
      assertThat(s).isNotNull();
      assertThat(s.currentRevision).isEqualTo(2L);
      assertThat(backup(ns).get().getMetadata().getAnnotations()).containsEntry(Labels.BACKUP_NOW, "apprelease-backend-r2");
      assertThat(s.conditions).anySatisfy(c -> assertThat(c.getMessage()).contains("waiting for a verified backup from DatabaseBackup mongo-prod"));
    });
    reconciles.awaitReconciled(Releases.nudge(client, ns, "backend"));
    assertThat(activeColor(ns)).as("an older verified backup does not open the gate").isEqualTo("blue");
    assertThat(status(ns).lastSuccessfulBackup.object).isEqualTo(old);

    allow.countDown();
    eventually(() -> {
      assertThat(activeColor(ns)).isEqualTo("green");
      assertThat(status(ns).lastSuccessfulBackup.object).isNotEqualTo(old);
    });
    AppReleaseStatus s = release.get().getStatus();
    assertThat(Instant.parse(status(ns).lastSuccessfulBackup.completedAt)).isAfterOrEqualTo(Instant.parse(s.revisionStartedAt));
    assertThat(onDemandJobs(ns)).hasSize(2);
  }

  /**
   * Issue 10 item 15c: two releases share one backupBeforePromotion DatabaseBackup, whose turnout.dev/backup-now
   * annotation holds one request at a time. The second release does not overwrite the first one's request, nor ask for
   * another backup while one is running (it completes after both revisions started): one request, one backup Job, both
   * releases switch on the same fresh verified backup, and nobody patches the annotation in a loop.
   */
  @Test
  void twoReleasesSharingOneDatabaseBackupBothSwitchOnOneFreshBackup() throws Exception {
    Env env = env("dbb-shared");
    String ns = env.ns();
    CountDownLatch allow = new CountDownLatch(1);
    sim().jobs().when(j -> ns.equals(j.getMetadata().getNamespace()) && j.getMetadata().getLabels().containsKey(Labels.BACKUP))
        .run(job -> {
          allow.await(WAIT.toSeconds(), TimeUnit.SECONDS);
          return runAgent(job, env, -1);
        });
    client.resource(sample(ns, env.bucket())).create();
    eventually(() -> assertThat(condition(status(ns).conditions, "Ready").getStatus()).isEqualTo("True"));
    for (String name : List.of("backend", "frontend")) {
      AppRelease ar = Releases.backend(ns, "1.0.0", 1);
      ar.getMetadata().setName(name);
      client.resource(ar).create();
    }
    eventually(() -> {
      for (String name : List.of("backend", "frontend")) {
        assertThat(releaseStatus(ns, name).phase).isEqualTo("Healthy");
      }
    });
    clock.advance(Duration.ofSeconds(60));
    var server = EmbeddedClusterResource.cluster().server();
    ApiWrites.drain(server);
    String backupPath = "/apis/turnout.dev/v1alpha1/namespaces/" + ns + "/databasebackups/mongo-prod";
    List<String> annotationPatches = new CopyOnWriteArrayList<>();

    Releases.update(client, ns, "backend", ar -> {
      ar.getSpec().version = "1.1.0";
      ar.getSpec().backupBeforePromotion = new LocalObjectRef("mongo-prod");
    });
    eventually(() -> {
      assertThat(backup(ns).get().getMetadata().getAnnotations()).containsEntry(Labels.BACKUP_NOW, "apprelease-backend-r2");
      assertThat(status(ns).runningJobs).singleElement().satisfies(j -> assertThat(j.token).isEqualTo("apprelease-backend-r2"));
    });
    String job = status(ns).runningJobs.get(0).job;
    // the second release's revision starts while the first one's backup runs
    Releases.update(client, ns, "frontend", ar -> {
      ar.getSpec().version = "1.1.0";
      ar.getSpec().backupBeforePromotion = new LocalObjectRef("mongo-prod");
    });
    eventually(() -> assertThat(releaseStatus(ns, "frontend").conditions).anySatisfy(c -> {
      assertThat(c.getType()).isEqualTo("BackupVerified");
      assertThat(c.getMessage()).contains("waiting for a verified backup from DatabaseBackup mongo-prod").contains("backup Job " + job + " running");
    }));
    for (int i = 0; i < 2; i++) {
      reconciles.awaitReconciled(Releases.nudge(client, ns, "frontend"));
      reconciles.awaitReconciled(Releases.nudge(client, ns, "backend"));
    }
    annotationPatches.addAll(ApiWrites.drainWrites(server, p -> p.startsWith(backupPath) && !p.startsWith(backupPath + "/status")));
    assertThat(backup(ns).get().getMetadata().getAnnotations()).containsEntry(Labels.BACKUP_NOW, "apprelease-backend-r2");
    assertThat(onDemandJobs(ns)).as("one backup for both releases").hasSize(1);
    assertThat(releaseStatus(ns, "frontend").backupRequestToken).as("the frontend did not ask").isNull();

    allow.countDown();
    eventually(() -> {
      for (String name : List.of("backend", "frontend")) {
        Service s = client.services().inNamespace(ns).withName(name).get();
        assertThat(s.getSpec().getSelector()).as(name).containsEntry(Labels.COLOR, "green");
      }
    });
    String object = status(ns).lastSuccessfulBackup.object;
    // the status write that records the switch follows the Service's change: wait for it
    eventually(() -> {
      for (String name : List.of("backend", "frontend")) {
        AppReleaseStatus s = releaseStatus(ns, name);
        assertThat(s.conditions).anySatisfy(c -> {
          assertThat(c.getType()).isEqualTo("BackupVerified");
          assertThat(c.getStatus()).isEqualTo("True");
          assertThat(c.getMessage()).contains(object);
        });
        assertThat(Instant.parse(status(ns).lastSuccessfulBackup.completedAt)).isAfterOrEqualTo(Instant.parse(s.revisionStartedAt));
      }
    });
    reconciles.awaitReconciled(Releases.nudge(client, ns, "frontend"));
    reconciles.awaitReconciled(Releases.nudge(client, ns, "backend"));
    annotationPatches.addAll(ApiWrites.drainWrites(server, p -> p.startsWith(backupPath) && !p.startsWith(backupPath + "/status")));
    assertThat(annotationPatches).as("writes of the DatabaseBackup itself: the one backup-now request").hasSize(1);
    assertThat(onDemandJobs(ns)).hasSize(1);
    assertThat(status(ns).runningJobs).isNull();
  }

  AppReleaseStatus releaseStatus(String ns, String name) {
    AppReleaseStatus s = client.resources(AppRelease.class).inNamespace(ns).withName(name).get().getStatus();
    return s == null ? new AppReleaseStatus() : s;
  }

  double runs(String ns, String result) {
    var c = registry.find("turnout.backup.runs").tags("namespace", ns, "backup", "mongo-prod", "result", result).counter();
    return c == null ? 0 : c.count();
  }

  /**
   * A Job that exits 0 without uploading anything (k8up-io/k8up#910) is not a backup: the operator looks for the
   * manifest naming the Job, once, and reports LastBackupSucceeded=False (ManifestMissing), a Warning Event and a
   * failed run; lastSuccessfulBackup stays the previous real one. The verdict is kept in status: more reconciles of the
   * idle DatabaseBackup write nothing and emit no second Event.
   */
  @Test
  void aJobThatExitsZeroWithoutAManifestIsNotASuccessfulBackup() throws Exception {
    Env env = env("dbb-nomanifest");
    String ns = env.ns();
    runAgentFor(env, -1);
    client.resource(sample(ns, env.bucket())).create();
    eventually(() -> assertThat(condition(status(ns).conditions, "Ready").getStatus()).isEqualTo("True"));
    backupNow(ns, "real");
    eventually(() -> {
      DatabaseBackupStatus s = status(ns);
      assertThat(s.lastSuccessfulBackup).isNotNull();
      assertThat(condition(s.conditions, "LastBackupSucceeded").getStatus()).isEqualTo("True");
      assertThat(s.lastCheckedJob).isEqualTo(BackupJobFactory.onDemandJobName(backup(ns).get(), "real"));
      assertThat(runs(ns, "success")).isEqualTo(1.0);
    });
    String real = status(ns).lastSuccessfulBackup.object;

    // from now on the Jobs exit 0 and upload nothing
    sim().jobs().when(j -> ns.equals(j.getMetadata().getNamespace())).succeed();
    backupNow(ns, "empty");
    String job = BackupJobFactory.onDemandJobName(backup(ns).get(), "empty");
    eventually(() -> {
      DatabaseBackupStatus s = status(ns);
      Condition c = condition(s.conditions, "LastBackupSucceeded");
      assertThat(c.getStatus()).isEqualTo("False");
      assertThat(c.getReason()).isEqualTo("ManifestMissing");
      assertThat(c.getMessage()).contains("backup Job " + job).contains("s3://" + env.bucket() + "/prod/").contains(".manifest.json");
      assertThat(s.lastCheckedJob).isEqualTo(job);
      assertThat(s.lastFailure.reason).isEqualTo("ManifestMissing");
      assertThat(s.lastFailure.job).isEqualTo(job);
      assertThat(events(ns)).anySatisfy(e -> {
        assertThat(e.getType()).isEqualTo("Warning");
        assertThat(e.getReason()).isEqualTo("ManifestMissing");
        assertThat(e.getMessage()).contains(job);
      });
      assertThat(runs(ns, "failure")).isEqualTo(1.0);
    });
    DatabaseBackupStatus after = status(ns);
    assertThat(after.lastSuccessfulBackup.object).as("not advanced").isEqualTo(real);
    assertThat(after.backups).hasSize(1);
    assertThat(runs(ns, "success")).isEqualTo(1.0);

    // decided once: further reconciles write nothing and say nothing again
    var server = EmbeddedClusterResource.cluster().server();
    ApiWrites.drain(server);
    DatabaseBackup nudged = null;
    for (int i = 0; i < 3; i++) {
      nudged = nudge(ns);
    }
    reconciles.awaitReconciled(nudged);
    List<String> writes = new CopyOnWriteArrayList<>();
    await().pollInterval(Duration.ofMillis(500)).during(Duration.ofSeconds(3)).atMost(WAIT).untilAsserted(() -> {
      writes.addAll(ApiWrites.drainWrites(server, p -> p.contains("/namespaces/" + ns + "/databasebackups/mongo-prod/status")
          || p.contains("/namespaces/" + ns + "/events")));
      assertThat(writes).as("writes after the verdict").isEmpty();
    });
    assertThat(eventReasons(ns).stream().filter("ManifestMissing"::equals)).hasSize(1);
    assertThat(runs(ns, "failure")).isEqualTo(1.0);
  }

  /**
   * Idle means no writes: a DatabaseBackup with a verified backup and a finished DatabaseRestore, reconciled again after
   * the periodic recheck and S3 refresh are due (the clock moved past them), write no status.
   */
  @Test
  void anIdleBackupAndAFinishedRestoreMakeNoStatusWrites() throws Exception {
    Env env = env("dbb-idle", true); // the restore runs for real (simulated tools, staging fixture)
    String ns = env.ns();
    runAgentFor(env, -1);
    DatabaseBackup b = sample(ns, env.bucket());
    b.getSpec().schedule = "0 3 1 1 *"; // far away: moving the clock must not reach it
    client.resource(b).create();
    eventually(() -> assertThat(condition(status(ns).conditions, "Ready").getStatus()).isEqualTo("True"));
    backupNow(ns, "idle");
    eventually(() -> {
      DatabaseBackupStatus s = status(ns);
      assertThat(s.lastSuccessfulBackup).isNotNull();
      assertThat(condition(s.conditions, "LastBackupSucceeded").getStatus()).isEqualTo("True");
      assertThat(condition(s.conditions, "Verified").getStatus()).isEqualTo("True");
    });
    client.resource(restore(ns, "restore-idle", "latest")).create();
    eventually(() -> assertThat(restoreStatus(ns, "restore-idle").phase).isEqualTo("Succeeded"));

    var server = EmbeddedClusterResource.cluster().server();
    await().pollDelay(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() -> true);
    ApiWrites.drain(server);
    clock.advance(DatabaseBackupReconciler.S3_REFRESH.plus(DatabaseBackupReconciler.RECHECK).plusMinutes(1));
    DatabaseBackup nudgedBackup = null;
    var nudgedRestore = new java.util.concurrent.atomic.AtomicReference<DatabaseRestore>();
    for (int i = 0; i < 3; i++) {
      nudgedBackup = nudge(ns);
      await().atMost(WAIT).ignoreExceptionsInstanceOf(KubernetesClientException.class).until(() -> {
        DatabaseRestore r = client.resources(DatabaseRestore.class).inNamespace(ns).withName("restore-idle").get();
        if (r.getMetadata().getAnnotations() == null) {
          r.getMetadata().setAnnotations(new HashMap<>());
        }
        r.getMetadata().getAnnotations().put("test/nudge", String.valueOf(System.nanoTime()));
        nudgedRestore.set(client.resource(r).update());
        return true;
      });
    }
    // both were reconciled after the clock moved past the recheck and the S3 refresh: the window below is not empty
    reconciles.awaitReconciled(nudgedBackup);
    reconciles.awaitReconciled(nudgedRestore.get());
    List<String> writes = new CopyOnWriteArrayList<>();
    await().pollInterval(Duration.ofMillis(500)).during(Duration.ofSeconds(5)).atMost(WAIT).untilAsserted(() -> {
      writes.addAll(ApiWrites.drainWrites(server, p -> p.contains("/namespaces/" + ns + "/") && p.endsWith("/status")));
      assertThat(writes).as("status writes of an idle backup and a finished restore").isEmpty();
    });
  }

  String activeColor(String ns) {
    Service s = client.services().inNamespace(ns).withName("backend").get();
    return s == null ? null : s.getSpec().getSelector().get(Labels.COLOR);
  }
}
