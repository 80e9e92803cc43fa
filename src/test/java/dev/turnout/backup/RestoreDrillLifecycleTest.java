package dev.turnout.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.turnout.backup.agent.S3TestServer;
import dev.turnout.common.OwnedObjects;
import dev.turnout.sim.ClusterSimulator;
import dev.turnout.sim.JobResult;
import dev.turnout.testing.ApiWrites;
import dev.turnout.testing.EmbeddedClusterResource;
import dev.turnout.testing.Reconciles;
import dev.turnout.testing.Releases;
import dev.turnout.testing.TestClock;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.awaitility.core.ThrowingRunnable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Restore drills (spec.drill) on the embedded cluster: the drill CronJob, a finished drill Job recorded once in
 * status.lastDrill (Job times, the agent's report from the pod's termination message), the RestoreDrill condition, one
 * Event per result, the metrics, nothing written while idle, and everything gone when spec.drill is removed. The
 * simulated Job controller has no pods: each drill Job's runner creates the pod the kubelet would leave, terminated
 * with the agent's JSON as its message (the agent itself runs in AgentDrillTest and DrillRealIT).
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedClusterResource.class)
class RestoreDrillLifecycleTest {
  static final Duration WAIT = Duration.ofSeconds(40);
  static S3TestServer s3server;

  @Inject KubernetesClient client;
  @Inject TestClock clock;
  @Inject MeterRegistry registry;
  @Inject Reconciles reconciles;

  @BeforeAll
  static void startS3() throws Exception {
    s3server = new S3TestServer();
  }

  @AfterAll
  static void stopS3() throws Exception {
    s3server.close();
  }

  static ClusterSimulator sim() {
    return EmbeddedClusterResource.simulator();
  }

  static void eventually(ThrowingRunnable assertion) {
    await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).untilAsserted(assertion);
  }

  String namespace(String prefix) {
    String ns = Releases.newNamespace(client, prefix);
    secret(ns, "mongodb", Map.of("MONGODB_URI", "mongodb://mongo.example:27017/"));
    secret(ns, "backup-s3", Map.of("AWS_ACCESS_KEY_ID", S3TestServer.ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", S3TestServer.SECRET_KEY));
    return ns;
  }

  void secret(String ns, String name, Map<String, String> values) {
    Map<String, String> data = new HashMap<>();
    values.forEach((k, v) -> data.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
    client.resource(new SecretBuilder().withNewMetadata().withName(name).withNamespace(ns).endMetadata().withData(data).build()).create();
  }

  DatabaseBackup sample(String ns) throws Exception {
    DatabaseBackup b;
    try (var in = Files.newInputStream(Path.of("k8s/examples/30-backup.yaml"))) {
      b = client.resources(DatabaseBackup.class).load(in).item();
    }
    b.getMetadata().setNamespace(ns);
    b.getSpec().schedule = "0 3 1 1 *"; // far away: no scheduled backup while the test runs
    b.getSpec().storage.s3.endpoint = s3server.endpoint();
    b.getSpec().storage.s3.bucket = s3server.newBucket();
    b.getSpec().storage.s3.forcePathStyle = true;
    b.getSpec().drill = new DrillSpec();
    b.getSpec().drill.schedule = "0 5 * * 0";
    return b;
  }

  DatabaseBackupStatus status(String ns) {
    DatabaseBackup b = client.resources(DatabaseBackup.class).inNamespace(ns).withName("mongo-prod").get();
    return b == null || b.getStatus() == null ? new DatabaseBackupStatus() : b.getStatus();
  }

  DatabaseBackup edit(String ns, Consumer<DatabaseBackup> change) {
    var written = new java.util.concurrent.atomic.AtomicReference<DatabaseBackup>();
    await().atMost(WAIT).ignoreExceptionsInstanceOf(KubernetesClientException.class).until(() -> {
      DatabaseBackup b = client.resources(DatabaseBackup.class).inNamespace(ns).withName("mongo-prod").get();
      change.accept(b);
      written.set(client.resource(b).update());
      return true;
    });
    return written.get();
  }

  static Optional<Condition> condition(DatabaseBackupStatus s, String type) {
    return s.conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  List<String> eventReasons(String ns) {
    return client.v1().events().inNamespace(ns).list().getItems().stream().map(Event::getReason).toList();
  }

  List<Event> events(String ns, String reason) {
    return client.v1().events().inNamespace(ns).list().getItems().stream().filter(e -> reason.equals(e.getReason())).toList();
  }

  double drills(String ns, String result) {
    var c = registry.find("turnout.backup.drills").tags("namespace", ns, "backup", "mongo-prod", "result", result).counter();
    return c == null ? 0 : c.count();
  }

  /** What the CronJob controller does at a scheduled time: a Job from the drill CronJob's template, owned by it. */
  void scheduledDrill(String ns, String name) {
    CronJob cron = client.batch().v1().cronjobs().inNamespace(ns).withName("mongo-prod-drill").get();
    client.resource(new JobBuilder()
        .withNewMetadata().withName(name).withNamespace(ns)
        .withLabels(cron.getSpec().getJobTemplate().getMetadata().getLabels())
        .withOwnerReferences(OwnedObjects.ownerReference(cron)).endMetadata()
        .withSpec(cron.getSpec().getJobTemplate().getSpec()).build()).create();
  }

  /** The pod the Job controller and kubelet leave behind: terminated, with the agent's JSON as termination message. */
  void terminatedPod(Job job, String terminationMessage, int exitCode) {
    Pod pod = new PodBuilder()
        .withNewMetadata().withName(job.getMetadata().getName() + "-x7k2p").withNamespace(job.getMetadata().getNamespace())
        .addToLabels(job.getSpec().getTemplate().getMetadata().getLabels())
        .addToLabels("job-name", job.getMetadata().getName())
        .withOwnerReferences(OwnedObjects.ownerReference(job)).endMetadata()
        .withSpec(job.getSpec().getTemplate().getSpec())
        .build();
    client.resource(pod).create();
    // the simulated kubelet may write Running first: set the terminal status on the newest copy
    await().atMost(WAIT).ignoreExceptionsInstanceOf(KubernetesClientException.class).until(() -> {
      Pod created = client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()).get();
      created.setStatus(new io.fabric8.kubernetes.api.model.PodStatusBuilder()
        .withPhase(exitCode == 0 ? "Succeeded" : "Failed")
        .addNewContainerStatus().withName("agent").withNewState().withNewTerminated()
        .withExitCode(exitCode).withReason(exitCode == 0 ? "Completed" : "Error").withMessage(terminationMessage)
        .endTerminated().endState().endContainerStatus()
        .build());
      client.resource(created).updateStatus();
      return true;
    });
  }

  static final String PASSED = "{\"command\":\"drill\",\"object\":\"prod/2026-11-20T03-00-00Z.archive.gz\",\"sha256\":\"ab\","
      + "\"backupCompletedAt\":\"2026-11-20T03:00:09Z\",\"collections\":3,\"documents\":32,\"ok\":true}";
  static final String FAILED = "{\"command\":\"drill\",\"object\":\"prod/2026-11-27T03-00-00Z.archive.gz\",\"sha256\":\"cd\","
      + "\"collections\":2,\"documents\":6,\"failedCollections\":[\"auto_author.users\"],\"ok\":false,\"error\":\"drill of"
      + " prod/2026-11-27T03-00-00Z.archive.gz failed: document counts differ from the manifest: auto_author.users ->"
      + " auto_author.users: manifest 4, restored 3; the target is unchanged (staging collections dropped)\"}";

  @Test
  void finishedDrillsAreRecordedOnceWithConditionEventsAndMetricsAndGoWithSpecDrill() throws Exception {
    String ns = namespace("dbb-drill");
    sim().jobs().when(j -> ns.equals(j.getMetadata().getNamespace()) && DrillJobs.isDrill(j)).run(job -> {
      boolean passes = job.getMetadata().getName().endsWith("-1");
      terminatedPod(job, passes ? PASSED : FAILED, passes ? 0 : 1);
      return passes ? JobResult.success() : JobResult.failure("BackoffLimitExceeded", "Job has reached the specified backoff limit");
    });
    client.resource(sample(ns)).create();
    eventually(() -> {
      CronJob cron = client.batch().v1().cronjobs().inNamespace(ns).withName("mongo-prod-drill").get();
      assertThat(cron).isNotNull();
      assertThat(cron.getSpec().getSchedule()).isEqualTo("0 5 * * 0");
      Condition c = condition(status(ns), "RestoreDrill").orElseThrow(() -> new AssertionError("no condition"));
      assertThat(c.getStatus()).isEqualTo("Unknown");
      assertThat(c.getReason()).isEqualTo("NoDrillYet");
    });

    // ---- a drill that passed
    scheduledDrill(ns, "mongo-prod-drill-1");
    eventually(() -> {
      DatabaseBackupStatus s = status(ns);
      assertThat(s.lastDrill).isNotNull();
      assertThat(s.lastDrill.job).isEqualTo("mongo-prod-drill-1");
      assertThat(s.lastDrill.succeeded).isTrue();
      assertThat(s.lastDrill.object).isEqualTo("prod/2026-11-20T03-00-00Z.archive.gz");
      assertThat(s.lastDrill.collections).isEqualTo(3);
      assertThat(s.lastDrill.documents).isEqualTo(32L);
      assertThat(s.lastDrill.durationSeconds).isNotNull();
      assertThat(s.lastDrill.lastPassedTime).isEqualTo(s.lastDrill.time);
      Condition c = condition(s, "RestoreDrill").orElseThrow(() -> new AssertionError("no condition"));
      assertThat(c.getStatus()).isEqualTo("True");
      assertThat(c.getReason()).isEqualTo("DrillPassed");
      assertThat(c.getMessage()).contains("prod/2026-11-20T03-00-00Z.archive.gz").contains("3 collection(s), 32 document(s)");
    });
    DatabaseBackupStatus afterPass = status(ns);
    // a drill is no backup run: nothing of it in the backup's own status
    assertThat(afterPass.lastFailure).isNull();
    assertThat(afterPass.lastCheckedJob).isNull();
    assertThat(afterPass.runningJobs).isNullOrEmpty();
    assertThat(registry.find("turnout.backup.runs").tags("namespace", ns).counters()).isEmpty();
    eventually(() -> assertThat(drills(ns, "passed")).isEqualTo(1.0));
    assertThat(registry.find("turnout.backup.drill.last.success.timestamp.seconds").tags("namespace", ns).gauge().value())
        .isEqualTo(java.time.Instant.parse(afterPass.lastDrill.time).getEpochSecond());
    assertThat(registry.find("turnout.backup.drill.last.failed").tags("namespace", ns).gauge().value()).isZero();

    // ---- idle: recorded once; reconciles after it write nothing and say nothing again
    var server = EmbeddedClusterResource.cluster().server();
    ApiWrites.drain(server);
    DatabaseBackup nudged = null;
    for (int i = 0; i < 3; i++) {
      nudged = edit(ns, b -> b.getMetadata().getAnnotations().put("test/nudge", String.valueOf(System.nanoTime())));
    }
    reconciles.awaitReconciled(nudged);
    List<String> writes = new CopyOnWriteArrayList<>();
    await().pollInterval(Duration.ofMillis(500)).during(Duration.ofSeconds(3)).atMost(WAIT).untilAsserted(() -> {
      writes.addAll(ApiWrites.drainWrites(server, p -> p.contains("/namespaces/" + ns + "/databasebackups/mongo-prod/status")
          || p.contains("/namespaces/" + ns + "/events") || p.contains("/namespaces/" + ns + "/cronjobs")));
      assertThat(writes).as("writes after the drill was recorded").isEmpty();
    });
    assertThat(events(ns, "DrillPassed")).singleElement().satisfies(e -> {
      assertThat(e.getType()).isEqualTo("Normal");
      assertThat(e.getMessage()).contains("mongo-prod-drill-1").contains("prod/2026-11-20T03-00-00Z.archive.gz");
    });
    assertThat(drills(ns, "passed")).isEqualTo(1.0);

    // ---- a week later, a drill that failed: the object and the collection in condition, status and Event
    clock.advance(Duration.ofDays(7));
    scheduledDrill(ns, "mongo-prod-drill-2");
    eventually(() -> {
      DatabaseBackupStatus s = status(ns);
      assertThat(s.lastDrill.job).isEqualTo("mongo-prod-drill-2");
      assertThat(s.lastDrill.succeeded).isFalse();
      assertThat(s.lastDrill.object).isEqualTo("prod/2026-11-27T03-00-00Z.archive.gz");
      assertThat(s.lastDrill.message).contains("manifest 4, restored 3").contains("auto_author.users");
      assertThat(s.lastDrill.lastPassedTime).as("the earlier pass").isEqualTo(afterPass.lastDrill.time);
      Condition c = condition(s, "RestoreDrill").orElseThrow(() -> new AssertionError("no condition"));
      assertThat(c.getStatus()).isEqualTo("False");
      assertThat(c.getReason()).isEqualTo("DrillFailed");
      assertThat(c.getMessage()).contains("prod/2026-11-27T03-00-00Z.archive.gz").contains("auto_author.users");
    });
    eventually(() -> assertThat(events(ns, "DrillFailed")).singleElement()
        .satisfies(e -> assertThat(e.getType()).isEqualTo("Warning")));
    assertThat(drills(ns, "failed")).isEqualTo(1.0);
    eventually(() -> assertThat(registry.find("turnout.backup.drill.last.failed").tags("namespace", ns).gauge().value())
        .as("the alert's gauge, from status").isEqualTo(1.0));
    assertThat(registry.find("turnout.backup.drill.last.success.timestamp.seconds").tags("namespace", ns).gauge().value())
        .as("still the last pass").isEqualTo(java.time.Instant.parse(afterPass.lastDrill.time).getEpochSecond());
    assertThat(status(ns).lastFailure).as("a failed drill is no failed backup").isNull();

    // ---- spec.drill removed: the CronJob, the condition and lastDrill go
    edit(ns, b -> b.getSpec().drill = null);
    eventually(() -> {
      assertThat(client.batch().v1().cronjobs().inNamespace(ns).withName("mongo-prod-drill").get()).isNull();
      DatabaseBackupStatus s = status(ns);
      assertThat(condition(s, "RestoreDrill")).isEmpty();
      assertThat(s.lastDrill).isNull();
    });
    assertThat(client.batch().v1().cronjobs().inNamespace(ns).withName("mongo-prod-backup").get()).as("the backups go on").isNotNull();
    assertThat(eventReasons(ns)).contains("DrillRemoved");
  }

  @Test
  void aDrillPodThatLeftNoReportFailsWithTheJobsReason() throws Exception {
    String ns = namespace("dbb-drill-deadline");
    // activeDeadlineSeconds or an eviction past scratchSizeLimit: the pod is killed before the agent writes its result
    sim().jobs().when(j -> ns.equals(j.getMetadata().getNamespace()) && DrillJobs.isDrill(j))
        .run(job -> JobResult.failure("DeadlineExceeded", "Job was active longer than specified deadline"));
    client.resource(sample(ns)).create();
    eventually(() -> assertThat(client.batch().v1().cronjobs().inNamespace(ns).withName("mongo-prod-drill").get()).isNotNull());
    scheduledDrill(ns, "mongo-prod-drill-1");
    eventually(() -> {
      DatabaseBackupStatus s = status(ns);
      assertThat(s.lastDrill).isNotNull();
      assertThat(s.lastDrill.succeeded).isFalse();
      assertThat(s.lastDrill.object).isNull();
      assertThat(s.lastDrill.lastPassedTime).isNull();
      assertThat(s.lastDrill.message).contains("DeadlineExceeded").contains("kubectl logs job/mongo-prod-drill-1");
      Condition c = condition(s, "RestoreDrill").orElseThrow(() -> new AssertionError("no condition"));
      assertThat(c.getReason()).isEqualTo("DrillFailed");
    });
    assertThat(registry.find("turnout.backup.drill.last.success.timestamp.seconds").tags("namespace", ns).gauge())
        .as("no drill passed yet").isNull();
    eventually(() -> assertThat(drills(ns, "failed")).isEqualTo(1.0));
  }

  @Test
  void aForeignCronJobWithTheDrillsNameIsNeverAdopted() throws Exception {
    String ns = namespace("dbb-drill-conflict");
    client.resource(new io.fabric8.kubernetes.api.model.batch.v1.CronJobBuilder()
        .withNewMetadata().withName("mongo-prod-drill").withNamespace(ns).endMetadata()
        .withNewSpec().withSchedule("0 0 * * *").withNewJobTemplate().withNewSpec().withNewTemplate().withNewSpec()
        .addNewContainer().withName("c").withImage("busybox").endContainer().withRestartPolicy("Never")
        .endSpec().endTemplate().endSpec().endJobTemplate().endSpec().build()).create();
    client.resource(sample(ns)).create();
    eventually(() -> {
      Condition c = condition(status(ns), "RestoreDrill").orElseThrow(() -> new AssertionError("no condition"));
      assertThat(c.getStatus()).isEqualTo("False");
      assertThat(c.getReason()).isEqualTo("CronJobConflict");
      assertThat(c.getMessage()).contains("mongo-prod-drill").contains("not owned by");
      assertThat(condition(status(ns), "Ready").orElseThrow(() -> new AssertionError("no Ready")).getStatus()).as("backups are not held back").isEqualTo("True");
    });
    assertThat(client.batch().v1().cronjobs().inNamespace(ns).withName("mongo-prod-drill").get().getSpec().getSchedule())
        .isEqualTo("0 0 * * *");
    // removing spec.drill leaves the foreign CronJob alone
    edit(ns, b -> b.getSpec().drill = null);
    eventually(() -> assertThat(condition(status(ns), "RestoreDrill")).isEmpty());
    assertThat(client.batch().v1().cronjobs().inNamespace(ns).withName("mongo-prod-drill").get()).isNotNull();
    assertThat(events(ns, "CronJobConflict")).hasSize(1);
  }
}
