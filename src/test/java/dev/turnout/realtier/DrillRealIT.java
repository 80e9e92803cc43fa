package dev.turnout.realtier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.turnout.backup.DatabaseBackup;
import dev.turnout.backup.DatabaseBackupStatus;
import dev.turnout.backup.DrillSpec;
import dev.turnout.backup.agent.S3TestServer;
import dev.turnout.common.Labels;
import dev.turnout.mongo.MongoServerFixture;
import dev.turnout.mongo.MongoToolScripts;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.awaitility.core.ThrowingRunnable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Restore drills on the real tier (issue 11, beyond the anchors): a DatabaseBackup with spec.drill gets its drill
 * CronJob under the chart's RBAC; a Job made from it as {@code kubectl create job --from=cronjob/mongo-prod-drill} makes
 * it runs the real agent's {@code drill} (simulated mongorestore and mongod, a real wire-protocol server behind the
 * throwaway mongod) on the newest verified backup, and the operator records status.lastDrill from the Job's status and
 * the pod's termination message, then stays idle.
 */
class DrillRealIT {
  static final Duration WAIT = Duration.ofSeconds(90);
  @RegisterExtension static final RealNamespace NS = new RealNamespace();
  static S3TestServer s3server;
  static MongoServerFixture prod;
  static MongoToolScripts.Tools tools;

  @BeforeAll
  static void start() throws Exception {
    s3server = new S3TestServer();
    prod = new MongoServerFixture();
    prod.seed("auto_author", "users", 5);
    prod.seed("auto_author", "books", 20);
    prod.seed("billing", "invoices", 7);
    tools = MongoToolScripts.install(Files.createTempDirectory("turnout-drill-real"));
    BackupFixtures.secrets(client(), NS.name(), prod.uri("auto_author"));
    // the namespace is this class's own: backup and drill pods alike run the agent
    NS.tier().simulator().jobs().when(j -> j.getMetadata().getNamespace().equals(NS.name())).run(AgentPods.runner(client(), tools));
  }

  @AfterAll
  static void stop() throws Exception {
    s3server.close();
    prod.close();
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

  static Condition condition(DatabaseBackupStatus s, String type) {
    return s.conditions.stream().filter(c -> type.equals(c.getType())).findFirst()
        .orElseThrow(() -> new AssertionError("no condition " + type));
  }

  /** What {@code kubectl create job NAME --from=cronjob/CRON} creates (kubectl's createJobFromCronJob). */
  static Job fromCronJob(CronJob cron, String name) {
    Map<String, String> annotations = new HashMap<>();
    annotations.put("cronjob.kubernetes.io/instantiate", "manual");
    if (cron.getSpec().getJobTemplate().getMetadata().getAnnotations() != null) {
      annotations.putAll(cron.getSpec().getJobTemplate().getMetadata().getAnnotations());
    }
    return new JobBuilder()
        .withNewMetadata().withName(name).withNamespace(cron.getMetadata().getNamespace())
        .withAnnotations(annotations)
        .withLabels(cron.getSpec().getJobTemplate().getMetadata().getLabels())
        // kubectl sets controller, not blockOwnerDeletion (that would need update on cronjobs/finalizers)
        .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("batch/v1").withKind("CronJob")
            .withName(cron.getMetadata().getName()).withUid(cron.getMetadata().getUid()).withController(true).build())
        .endMetadata()
        .withSpec(cron.getSpec().getJobTemplate().getSpec())
        .build();
  }

  @Test
  void aDrillFromTheDrillCronJobRestoresTheNewestVerifiedBackupAndIsRecorded() throws Exception {
    DatabaseBackup b = BackupFixtures.sample(client(), NS.name(), "mongo-prod", s3server.endpoint(), s3server.newBucket(), "0 3 1 1 *");
    b.getSpec().drill = new DrillSpec();
    b.getSpec().drill.schedule = "0 5 1 1 *"; // far away: the drill runs when the test makes a Job of it
    client().resource(b).create();
    eventually(() -> {
      assertThat(client().batch().v1().cronjobs().inNamespace(NS.name()).withName("mongo-prod-drill").get()).isNotNull();
      assertThat(condition(status("mongo-prod"), "RestoreDrill").getReason()).isEqualTo("NoDrillYet");
      assertThat(condition(status("mongo-prod"), "Ready").getStatus()).isEqualTo("True");
    });

    // one verified backup (backup-now), as kubectl annotate does
    await().atMost(WAIT).ignoreExceptionsInstanceOf(io.fabric8.kubernetes.client.KubernetesClientException.class).until(() -> {
      DatabaseBackup cur = client().resources(DatabaseBackup.class).inNamespace(NS.name()).withName("mongo-prod").get();
      if (cur.getMetadata().getAnnotations() == null) {
        cur.getMetadata().setAnnotations(new HashMap<>());
      }
      cur.getMetadata().getAnnotations().put(Labels.BACKUP_NOW, "first");
      client().resource(cur).update();
      return true;
    });
    eventually(() -> {
      assertThat(status("mongo-prod").lastSuccessfulBackup).isNotNull();
      assertThat(status("mongo-prod").lastSuccessfulBackup.verified).isTrue();
    });
    String backup = status("mongo-prod").lastSuccessfulBackup.object;

    // kubectl create job drill-now --from=cronjob/mongo-prod-drill
    CronJob cron = client().batch().v1().cronjobs().inNamespace(NS.name()).withName("mongo-prod-drill").get();
    client().resource(fromCronJob(cron, "drill-now")).create();
    eventually(() -> {
      DatabaseBackupStatus s = status("mongo-prod");
      assertThat(s.lastDrill).as(() -> String.valueOf(s.conditions)).isNotNull();
      assertThat(s.lastDrill.job).isEqualTo("drill-now");
      assertThat(s.lastDrill.succeeded).as(s.lastDrill.message).isTrue();
      assertThat(s.lastDrill.object).isEqualTo(backup);
      // admin.system.version of the full dump is never restored, so never counted
      assertThat(s.lastDrill.collections).isEqualTo(3);
      assertThat(s.lastDrill.documents).isEqualTo(32L);
      assertThat(s.lastDrill.durationSeconds).isNotNull();
      Condition c = condition(s, "RestoreDrill");
      assertThat(c.getStatus()).isEqualTo("True");
      assertThat(c.getReason()).isEqualTo("DrillPassed");
      assertThat(c.getMessage()).contains(backup);
    });
    Job drill = client().batch().v1().jobs().inNamespace(NS.name()).withName("drill-now").get();
    assertThat(drill.getStatus().getCompletionTime()).as("lastDrill.time is the Job's, the API server's clock")
        .isNotNull();
    assertThat(java.time.Instant.parse(status("mongo-prod").lastDrill.time))
        .isEqualTo(java.time.Instant.parse(drill.getStatus().getCompletionTime()));
    DatabaseBackupStatus s = status("mongo-prod");
    assertThat(s.lastFailure).as("a drill is no backup run").isNull();
    assertThat(s.lastSuccessfulBackup.object).isEqualTo(backup);
    assertThat(BackupFixtures.events(client(), NS.name(), "mongo-prod")).extracting(Event::getReason)
        .containsOnlyOnce("DrillPassed");
    IdleWrites.assertNone(NS.tier(), NS.name());

    // spec.drill removed: the operator deletes its CronJob (the chart grants delete on cronjobs for this alone), the
    // garbage collector its Jobs; the condition and lastDrill go, the backups go on
    await().atMost(WAIT).ignoreExceptionsInstanceOf(io.fabric8.kubernetes.client.KubernetesClientException.class).until(() -> {
      DatabaseBackup cur = client().resources(DatabaseBackup.class).inNamespace(NS.name()).withName("mongo-prod").get();
      cur.getSpec().drill = null;
      client().resource(cur).update();
      return true;
    });
    eventually(() -> {
      assertThat(client().batch().v1().cronjobs().inNamespace(NS.name()).withName("mongo-prod-drill").get()).isNull();
      DatabaseBackupStatus after = status("mongo-prod");
      assertThat(after.lastDrill).isNull();
      assertThat(after.conditions).noneMatch(c -> c.getType().equals("RestoreDrill"));
    });
    eventually(() -> assertThat(client().batch().v1().jobs().inNamespace(NS.name()).withName("drill-now").get()).isNull());
    assertThat(client().batch().v1().cronjobs().inNamespace(NS.name()).withName("mongo-prod-backup").get()).isNotNull();
  }
}
