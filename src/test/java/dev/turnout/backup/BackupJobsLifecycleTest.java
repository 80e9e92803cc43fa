package dev.turnout.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.turnout.backup.agent.AgentMain;
import dev.turnout.backup.agent.FakeMongo;
import dev.turnout.backup.agent.S3TestServer;
import dev.turnout.common.Labels;
import dev.turnout.common.OwnedObjects;
import dev.turnout.common.SecretKeyRef;
import dev.turnout.restore.DatabaseRestore;
import dev.turnout.restore.DatabaseRestoreSpec;
import dev.turnout.restore.DatabaseRestoreStatus;
import dev.turnout.sim.ClusterSimulator;
import dev.turnout.sim.JobResult;
import dev.turnout.testing.EmbeddedClusterResource;
import dev.turnout.testing.Releases;
import dev.turnout.testing.TestClock;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.awaitility.core.ThrowingRunnable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 11 items 6, 8 and 12 on the embedded cluster (the simulated Job controller runs the real agent where a backup
 * must exist): a Job the agent refuses shows in Ready; backup-now waits for a running backup Job; a restore's status
 * names what its Job restores after the operator lost its status write.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedClusterResource.class)
class BackupJobsLifecycleTest {
  static final Duration WAIT = Duration.ofSeconds(40);
  static S3TestServer s3server;
  static byte[] archive;
  static Path tmpRoot;

  @Inject KubernetesClient client;
  @Inject TestClock clock;

  /** Agent output of every run, for the message of a failed assertion. */
  final List<String> agentOutput = new java.util.concurrent.CopyOnWriteArrayList<>();

  @BeforeAll
  static void startS3() throws Exception {
    s3server = new S3TestServer();
    archive = FakeMongo.deterministicArchive(1, 11);
    mongo = new dev.turnout.mongo.MongoServerFixture();
    staging = new dev.turnout.mongo.MongoServerFixture();
    tmpRoot = Files.createTempDirectory("turnout-backup-jobs-test");
  }

  @AfterAll
  static void stopS3() throws Exception {
    s3server.close();
    mongo.close();
    staging.close();
  }

  static ClusterSimulator sim() {
    return EmbeddedClusterResource.simulator();
  }

  static void eventually(ThrowingRunnable assertion) {
    await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).untilAsserted(assertion);
  }

  static dev.turnout.mongo.MongoServerFixture mongo;
  static dev.turnout.mongo.MongoServerFixture staging;
  static dev.turnout.mongo.MongoToolScripts.Tools tools;

  record Env(String ns, String bucket, FakeMongo fake) {}

  Env env(String prefix) throws Exception {
    String ns = Releases.newNamespace(client, prefix);
    // a real wire-protocol server: the agent asks it for its topology before mongodump (a fake) runs
    secret(ns, "mongodb", Map.of("MONGODB_URI", mongo.uri()));
    secret(ns, "backup-s3", Map.of("AWS_ACCESS_KEY_ID", S3TestServer.ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", S3TestServer.SECRET_KEY));
    secret(ns, "mongodb-staging", Map.of("MONGODB_URI", staging.uri()));
    return new Env(ns, s3server.newBucket(), new FakeMongo(Files.createTempDirectory(tmpRoot, ns), archive));
  }

  void secret(String ns, String name, Map<String, String> values) {
    Map<String, String> data = new HashMap<>();
    values.forEach((k, v) -> data.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
    client.resource(new SecretBuilder().withNewMetadata().withName(name).withNamespace(ns).endMetadata().withData(data).build()).create();
  }

  DatabaseBackup sample(Env env) throws Exception {
    DatabaseBackup b;
    try (var in = Files.newInputStream(Path.of("k8s/examples/30-backup.yaml"))) {
      b = client.resources(DatabaseBackup.class).load(in).item();
    }
    b.getMetadata().setNamespace(env.ns());
    b.getSpec().storage.s3.endpoint = s3server.endpoint();
    b.getSpec().storage.s3.bucket = env.bucket();
    b.getSpec().storage.s3.forcePathStyle = true;
    return b;
  }

  DatabaseBackupStatus status(String ns) {
    DatabaseBackup b = client.resources(DatabaseBackup.class).inNamespace(ns).withName("mongo-prod").get();
    return b == null || b.getStatus() == null ? new DatabaseBackupStatus() : b.getStatus();
  }

  void edit(String ns, Consumer<DatabaseBackup> change) {
    await().atMost(WAIT).ignoreExceptionsInstanceOf(KubernetesClientException.class).until(() -> {
      DatabaseBackup b = client.resources(DatabaseBackup.class).inNamespace(ns).withName("mongo-prod").get();
      change.accept(b);
      client.resource(b).update();
      return true;
    });
  }

  void backupNow(String ns, String token) {
    edit(ns, b -> b.getMetadata().getAnnotations().put(Labels.BACKUP_NOW, token));
  }

  static Condition condition(List<Condition> conditions, String type) {
    return conditions.stream().filter(c -> type.equals(c.getType())).findFirst().orElseThrow(() -> new AssertionError("no condition " + type));
  }

  List<String> eventReasons(String ns) {
    return client.v1().events().inNamespace(ns).list().getItems().stream().map(Event::getReason).toList();
  }

  List<Job> onDemandJobs(String ns) {
    return client.batch().v1().jobs().inNamespace(ns).withLabel(Labels.BACKUP, "mongo-prod").list().getItems().stream()
        .filter(j -> j.getMetadata().getAnnotations() != null && j.getMetadata().getAnnotations().containsKey(Labels.BACKUP_NOW))
        .toList();
  }

  /** What the kubelet would do: the real agent with the Job's env (secretKeyRef values read from the Secrets). */
  JobResult runAgent(Job job, FakeMongo fake) throws Exception {
    return runAgent(job, fake.mongodump(-1).toString(), fake.mongorestore(1000).toString());
  }

  /** The agent with the simulated tools, which really dump the fixture and restore into the staging fixture. */
  JobResult runAgentWithSimulatedTools(Job job) throws Exception {
    if (tools == null) {
      tools = dev.turnout.mongo.MongoToolScripts.install(tmpRoot.resolve("mongo-tools"));
      mongo.seed("auto_author", "users", 5);
    }
    return runAgent(job, tools.mongodump().toString(), tools.mongorestore().toString());
  }

  JobResult runAgent(Job job, String mongodump, String mongorestore) throws Exception {
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
    env.put("MONGODUMP", mongodump);
    env.put("MONGORESTORE", mongorestore);
    env.put("MONGO_SERVER_SELECTION_TIMEOUT_MS", "3000");
    env.put("S3_PART_SIZE_MB", "5");
    List<String> command = container.getCommand();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int rc = AgentMain.run(new String[] {command.get(command.size() - 1)}, env, clock, new PrintStream(out, true), new PrintStream(out, true));
    agentOutput.add(job.getMetadata().getName() + ": " + out.toString(StandardCharsets.UTF_8));
    return rc == 0 ? JobResult.success() : JobResult.failure("BackoffLimitExceeded", "Job has reached the specified backoff limit");
  }

  // ------------------------------------------------------------------------------------------------ item 6

  @Test
  void aJobTheAgentRefusesWithExitCodeTwoMakesReadyFalseUntilTheSpecChanges() throws Exception {
    Env env = env("dbb-exit2");
    String ns = env.ns();
    // what kube-controller-manager reports when the Jobs' pod failure policy matched the agent's exit code 2
    sim().jobs().when(j -> ns.equals(j.getMetadata().getNamespace())).run(job -> JobResult.failure("PodFailurePolicy",
        "Container agent for pod " + ns + "/" + job.getMetadata().getName() + "-x7k2p failed with exit code 2 matching FailJob rule at index 0"));
    client.resource(sample(env)).create();
    eventually(() -> assertThat(condition(status(ns).conditions, "Ready").getStatus()).isEqualTo("True"));
    backupNow(ns, "t1");
    eventually(() -> {
      DatabaseBackupStatus s = status(ns);
      Condition ready = condition(s.conditions, "Ready");
      assertThat(ready.getStatus()).isEqualTo("False");
      assertThat(ready.getReason()).isEqualTo("InvalidSettings");
      assertThat(ready.getMessage()).contains("the agent refused its settings").contains("exit code 2");
      assertThat(condition(s.conditions, "LastBackupSucceeded").getReason()).isEqualTo("InvalidSettings");
      assertThat(s.lastFailure.reason).isEqualTo("InvalidSettings");
    });
    // a changed spec may be fine: Ready no longer holds the old settings' refusal
    edit(ns, b -> b.getSpec().verify.mode = DatabaseBackupSpec.VerifyMode.RestoreTest);
    eventually(() -> assertThat(condition(status(ns).conditions, "Ready").getStatus()).isEqualTo("True"));
    assertThat(condition(status(ns).conditions, "LastBackupSucceeded").getStatus()).isEqualTo("False");
  }

  // ------------------------------------------------------------------------------------------------ item 8

  @Test
  void backupNowWaitsForARunningScheduledJobThenRunsOnceWithATtl() throws Exception {
    Env env = env("dbb-forbid");
    String ns = env.ns();
    CountDownLatch scheduledMayEnd = new CountDownLatch(1);
    List<String> ran = new java.util.concurrent.CopyOnWriteArrayList<>();
    sim().jobs().when(j -> ns.equals(j.getMetadata().getNamespace())).run(job -> {
      ran.add(job.getMetadata().getName());
      if (job.getMetadata().getAnnotations() == null || !job.getMetadata().getAnnotations().containsKey(Labels.BACKUP_NOW)) {
        scheduledMayEnd.await(WAIT.toSeconds(), TimeUnit.SECONDS);
      }
      return JobResult.success();
    });
    DatabaseBackup created = client.resource(sample(env)).create();
    eventually(() -> assertThat(condition(status(ns).conditions, "Ready").getStatus()).isEqualTo("True"));
    // the CronJob controller starts a scheduled run: a Job from the CronJob's template, owned by the CronJob
    CronJob cron = client.batch().v1().cronjobs().inNamespace(ns).withName("mongo-prod-backup").get();
    Job scheduled = new JobBuilder()
        .withNewMetadata().withName("mongo-prod-backup-29000000").withNamespace(ns)
        .withLabels(cron.getSpec().getJobTemplate().getMetadata().getLabels())
        .withOwnerReferences(OwnedObjects.ownerReference(cron)).endMetadata()
        .withSpec(cron.getSpec().getJobTemplate().getSpec()).build();
    client.resource(scheduled).create();
    eventually(() -> assertThat(status(ns).runningJobs).extracting(r -> r.job).containsExactly("mongo-prod-backup-29000000"));

    backupNow(ns, "t1");
    eventually(() -> {
      Condition c = condition(status(ns).conditions, "BackupNow");
      assertThat(c.getStatus()).isEqualTo("False");
      assertThat(c.getReason()).isEqualTo("WaitingForRunningBackup");
      assertThat(c.getMessage()).contains("turnout.dev/backup-now=t1").contains("mongo-prod-backup-29000000");
    });
    assertThat(onDemandJobs(ns)).as("not while the scheduled backup runs").isEmpty();
    assertThat(status(ns).lastBackupNowToken).as("the token is not consumed while it waits").isNull();
    assertThat(eventReasons(ns)).contains("BackupNowWaiting").doesNotContain("BackupRequested");

    scheduledMayEnd.countDown();
    eventually(() -> {
      DatabaseBackupStatus s = status(ns);
      assertThat(s.lastBackupNowToken).isEqualTo("t1");
      assertThat(condition(s.conditions, "BackupNow").getStatus()).isEqualTo("True");
      assertThat(onDemandJobs(ns)).singleElement()
          .satisfies(j -> assertThat(j.getSpec().getTtlSecondsAfterFinished()).isEqualTo(7 * 24 * 3600));
    });
    eventually(() -> assertThat(ran).hasSize(2));
    assertThat(ran.get(0)).isEqualTo("mongo-prod-backup-29000000");
    assertThat(eventReasons(ns).stream().filter("BackupRequested"::equals)).hasSize(1);
    assertThat(created).isNotNull();
  }

  /**
   * Item 8, the other way round: the CronJob controller's Forbid counts only its own Jobs, so the CronJob is suspended
   * while an on-demand Job runs (a scheduled run cannot start beside it) and resumed after; the DatabaseBackup's spec
   * is untouched.
   */
  @Test
  void theScheduleIsHeldWhileAnOnDemandBackupRunsAndResumedAfter() throws Exception {
    Env env = env("dbb-hold");
    String ns = env.ns();
    CountDownLatch onDemandMayEnd = new CountDownLatch(1);
    sim().jobs().when(j -> ns.equals(j.getMetadata().getNamespace())).run(job -> {
      onDemandMayEnd.await(WAIT.toSeconds(), TimeUnit.SECONDS);
      return JobResult.success();
    });
    client.resource(sample(env)).create();
    eventually(() -> assertThat(condition(status(ns).conditions, "Ready").getStatus()).isEqualTo("True"));
    assertThat(cronSuspended(ns)).as("not held before any backup-now").isFalse();

    backupNow(ns, "t1");
    eventually(() -> {
      assertThat(onDemandJobs(ns)).hasSize(1);
      assertThat(cronSuspended(ns)).as("held while the on-demand Job runs").isTrue();
    });
    assertThat(client.resources(DatabaseBackup.class).inNamespace(ns).withName("mongo-prod").get().getSpec().suspend)
        .as("the DatabaseBackup's own spec.suspend is not written").isNotEqualTo(Boolean.TRUE);

    onDemandMayEnd.countDown();
    eventually(() -> assertThat(cronSuspended(ns)).as("resumed once the on-demand Job ended").isFalse());
  }

  boolean cronSuspended(String ns) {
    return Boolean.TRUE.equals(client.batch().v1().cronjobs().inNamespace(ns).withName("mongo-prod-backup").get().getSpec().getSuspend());
  }

  // ------------------------------------------------------------------------------------------------ item 12

  DatabaseRestore restore(String ns, String name) {
    DatabaseRestore r = new DatabaseRestore();
    r.getMetadata().setName(name);
    r.getMetadata().setNamespace(ns);
    DatabaseRestoreSpec spec = new DatabaseRestoreSpec();
    spec.backupRef = new DatabaseRestoreSpec.BackupRef();
    spec.backupRef.name = "mongo-prod";
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

  @Test
  void afterALostStatusWriteTheRestoreNamesTheObjectItsJobRestoresNotANewerLatest() throws Exception {
    Env env = env("dbr-crash");
    String ns = env.ns();
    CountDownLatch restoreMayRun = new CountDownLatch(1);
    sim().jobs().when(j -> ns.equals(j.getMetadata().getNamespace())).run(job -> {
      if (job.getMetadata().getLabels().containsKey(BackupJobFactory.RESTORE_LABEL)) {
        restoreMayRun.await(WAIT.toSeconds(), TimeUnit.SECONDS);
      }
      return runAgentWithSimulatedTools(job);
    });
    client.resource(sample(env)).create();
    backupNow(ns, "first");
    eventually(() -> assertThat(status(ns).lastSuccessfulBackup).isNotNull());
    String first = status(ns).lastSuccessfulBackup.object;

    client.resource(restore(ns, "restore-latest")).create();
    eventually(() -> assertThat(restoreStatus(ns, "restore-latest").jobName).isEqualTo("restore-latest-restore"));
    assertThat(restoreStatus(ns, "restore-latest").object).isEqualTo(first);

    // the next backup a day later: another key, and daily retention keeps both (one a day; a second one the same day
    // would prune the first while its restore runs: retention does not know about running restores)
    clock.advance(Duration.ofDays(1));
    backupNow(ns, "second");
    eventually(() -> assertThat(status(ns).lastSuccessfulBackup.object)
        .as(() -> io.fabric8.kubernetes.client.utils.Serialization.asYaml(status(ns))).isNotEqualTo(first));

    // the operator stopped after it created the Job and before its status write landed: status as before the start
    await().atMost(WAIT).ignoreExceptionsInstanceOf(KubernetesClientException.class).until(() -> {
      DatabaseRestore r = client.resources(DatabaseRestore.class).inNamespace(ns).withName("restore-latest").get();
      r.setStatus(new DatabaseRestoreStatus());
      r.getStatus().conditions = new ArrayList<>();
      client.resource(r).updateStatus();
      return true;
    });
    eventually(() -> {
      DatabaseRestoreStatus s = restoreStatus(ns, "restore-latest");
      assertThat(s.jobName).isEqualTo("restore-latest-restore");
      assertThat(s.object).as("what the Job restores (its OBJECT), not latest resolved again").isEqualTo(first);
      assertThat(s.phase).isEqualTo("Running");
      // the conditions a start writes, Ready included (an adopted Job left it out)
      assertThat(s.conditions).anySatisfy(c -> {
        assertThat(c.getType()).isEqualTo("Ready");
        assertThat(c.getStatus()).isEqualTo("True");
        assertThat(c.getReason()).isEqualTo("Valid");
      });
    });
    restoreMayRun.countDown();
    eventually(() -> {
      DatabaseRestoreStatus s = restoreStatus(ns, "restore-latest");
      assertThat(s.phase).as(() -> s.message + "\n" + String.join("\n", agentOutput)).isEqualTo("Succeeded");
      assertThat(s.object).isEqualTo(first);
      assertThat(s.message).contains(first);
    });
  }

  /**
   * Review finding: an adopted Job (the status write after its create was lost) already shows the references were
   * valid when it started; a Secret deleted since must not turn the running restore into Ready=False InvalidSpec.
   */
  @Test
  void anAdoptedRunningRestoreFollowsItsJobWithoutValidatingTheSpecAgain() throws Exception {
    Env env = env("dbr-adopt");
    String ns = env.ns();
    CountDownLatch restoreMayRun = new CountDownLatch(1);
    sim().jobs().when(j -> ns.equals(j.getMetadata().getNamespace())).run(job -> {
      if (job.getMetadata().getLabels().containsKey(BackupJobFactory.RESTORE_LABEL)) {
        restoreMayRun.await(3 * WAIT.toSeconds(), TimeUnit.SECONDS);
      }
      return runAgentWithSimulatedTools(job);
    });
    client.resource(sample(env)).create();
    backupNow(ns, "first");
    eventually(() -> assertThat(status(ns).lastSuccessfulBackup).isNotNull());
    DatabaseRestore restore = restore(ns, "restore-adopt");
    restore.getSpec().drop = true; // the staging server is shared with the other restore test, which may have run first
    client.resource(restore).create();
    eventually(() -> assertThat(restoreStatus(ns, "restore-adopt").phase).isEqualTo("Running"));

    // the pod read the target's Secret at its start; deleting it now changes nothing for the running restore
    Secret target = client.secrets().inNamespace(ns).withName("mongodb-staging").get();
    client.secrets().inNamespace(ns).withName("mongodb-staging").delete();
    // ... and the operator's status write after the Job's create was lost: the next reconcile adopts the Job
    await().atMost(WAIT).ignoreExceptionsInstanceOf(KubernetesClientException.class).until(() -> {
      DatabaseRestore r = client.resources(DatabaseRestore.class).inNamespace(ns).withName("restore-adopt").get();
      r.setStatus(new DatabaseRestoreStatus());
      r.getStatus().conditions = new ArrayList<>();
      client.resource(r).updateStatus();
      return true;
    });
    eventually(() -> {
      DatabaseRestoreStatus s = restoreStatus(ns, "restore-adopt");
      assertThat(condition(s.conditions, "Ready").getStatus()).as(() -> s.conditions.toString()).isEqualTo("True");
      assertThat(s.jobName).isEqualTo("restore-adopt-restore");
      assertThat(s.phase).isEqualTo("Running");
      assertThat(condition(s.conditions, "Complete").getReason()).isEqualTo("Running");
    });
    assertThat(eventReasons(ns)).doesNotContain("InvalidSpec");

    // the test's kubelet reads Secrets when the agent runs, not at the pod's start: give it the Secret back
    target.getMetadata().setResourceVersion(null);
    target.getMetadata().setUid(null);
    target.getMetadata().setCreationTimestamp(null);
    client.resource(target).create();
    restoreMayRun.countDown();
    eventually(() -> {
      DatabaseRestoreStatus s = restoreStatus(ns, "restore-adopt");
      assertThat(s.phase).as(() -> s.message + "\n" + String.join("\n", agentOutput)).isEqualTo("Succeeded");
    });
  }
}
