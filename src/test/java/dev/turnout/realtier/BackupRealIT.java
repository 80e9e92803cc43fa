package dev.turnout.realtier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.turnout.backup.BackupJobFactory;
import dev.turnout.backup.NameLimits;
import dev.turnout.backup.DatabaseBackup;
import dev.turnout.backup.DatabaseBackupStatus;
import dev.turnout.backup.agent.FakeMongo;
import dev.turnout.backup.agent.S3TestServer;
import dev.turnout.common.Labels;
import dev.turnout.restore.DatabaseRestore;
import dev.turnout.restore.DatabaseRestoreStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.awaitility.core.ThrowingRunnable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * DatabaseBackup and DatabaseRestore on the real tier: the operator jar (chart RBAC) creates CronJobs and Jobs on a
 * real kube-apiserver, the real Job and CronJob controllers run them, the fake node runs each pod's container as the
 * real agent (AgentMain) against S3Proxy on 127.0.0.1 (the operator shares the test's network namespace) with fake
 * mongodump/mongorestore. Every scenario waits for what the operator reports, then for 20 s of no writes.
 */
class BackupRealIT {
  static final Duration WAIT = Duration.ofSeconds(60);
  static final String MONGO_URI = "mongodb://backup:Mongo-Pa55-secret@mongo.example:27017/?authSource=admin";
  @RegisterExtension static final RealNamespace NS = new RealNamespace();
  static S3TestServer s3server;
  static byte[] archive;
  static Path tmp;
  static String staging;

  @BeforeAll
  static void startS3() throws Exception {
    s3server = new S3TestServer();
    archive = FakeMongo.deterministicArchive(1, 11);
    tmp = Files.createTempDirectory("turnout-backup-real");
    BackupFixtures.secrets(client(), NS.name(), MONGO_URI);
    // the docs' staging restore: another namespace, its own target Secret and a copy of the storage credentials
    staging = NS.name() + "-staging";
    client().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(staging)
        .addToLabels("turnout.dev/test", "real-tier").endMetadata().build()).create();
    BackupFixtures.secrets(client(), staging, MONGO_URI);
  }

  @AfterAll
  static void stop() throws Exception {
    client().namespaces().withName(staging).delete();
    s3server.close();
  }


  static KubernetesClient client() {
    return NS.tier().admin();
  }

  DatabaseBackup sample(String name, String bucket, String schedule) throws Exception {
    return BackupFixtures.sample(client(), NS.name(), name, s3server.endpoint(), bucket, schedule);
  }

  DatabaseRestore stagingRestore(String name, String backupName) {
    return BackupFixtures.stagingRestore(staging, name, NS.name(), backupName);
  }

  List<Event> events(String ns, String involved) {
    return BackupFixtures.events(client(), ns, involved);
  }

  List<String> keys(String bucket) {
    return BackupFixtures.keys(s3server, bucket);
  }

  /** The pods of this backup's Jobs run the real agent, with a fake mongo of their own. */
  FakeMongo agentFor(String labelKey, String value) throws Exception {
    FakeMongo fake = new FakeMongo(Files.createTempDirectory(tmp, value), archive);
    NS.tier().simulator().jobs().whenLabels(Map.of(labelKey, value)).run(AgentPods.runner(client(), fake));
    return fake;
  }

  DatabaseBackup backup(String name) {
    return client().resources(DatabaseBackup.class).inNamespace(NS.name()).withName(name).get();
  }

  DatabaseBackupStatus status(String name) {
    DatabaseBackup b = backup(name);
    return b == null || b.getStatus() == null ? new DatabaseBackupStatus() : b.getStatus();
  }

  void edit(String name, Consumer<DatabaseBackup> change) {
    await().atMost(WAIT).ignoreExceptionsInstanceOf(KubernetesClientException.class).until(() -> {
      DatabaseBackup b = backup(name);
      change.accept(b);
      client().resource(b).update();
      return true;
    });
  }

  String backupNow(String name, String token) {
    edit(name, b -> b.getMetadata().getAnnotations().put(Labels.BACKUP_NOW, token));
    return BackupJobFactory.onDemandJobName(backup(name), token);
  }

  static void eventually(Duration atMost, ThrowingRunnable assertion) {
    await().atMost(atMost).pollInterval(Duration.ofMillis(500)).untilAsserted(assertion);
  }

  Condition current(String backup, String type) {
    DatabaseBackup b = backup(backup);
    return BackupFixtures.current(b.getStatus() == null ? List.of() : b.getStatus().conditions, type, b.getMetadata().getGeneration());
  }

  Job job(String name) {
    return client().batch().v1().jobs().inNamespace(NS.name()).withName(name).get();
  }

  @Test
  void onDemandBackupRunsTheAgentInARealJobAndReportsTheBackupInStorage() throws Exception {
    String bucket = s3server.newBucket();
    agentFor(BackupJobFactory.BACKUP_LABEL, "now");
    client().resource(sample("now", bucket, "0 3 1 1 *")).create();
    eventually(WAIT, () -> assertThat(current("now", "Ready").getStatus()).isEqualTo("True"));
    String jobName = backupNow("now", "first");

    // the real Job controller completes the Job once the fake node reports its pod Succeeded
    eventually(WAIT, () -> assertThat(BackupFixtures.complete(job(jobName))).as("Job " + jobName + " Complete").isTrue());
    Job job = job(jobName);
    assertThat(job.getMetadata().getOwnerReferences()).singleElement()
        .satisfies(o -> assertThat(o.getName()).isEqualTo("now"));
    CronJob cron = client().batch().v1().cronjobs().inNamespace(NS.name()).withName("now-backup").get();
    assertThat(job.getSpec().getTemplate().getSpec().getContainers())
        .as("the on-demand Job runs the CronJob's template")
        .isEqualTo(cron.getSpec().getJobTemplate().getSpec().getTemplate().getSpec().getContainers());
    assertThat(client().pods().inNamespace(NS.name()).withLabel("job-name", jobName).list().getItems())
        .singleElement().satisfies(p -> {
          assertThat(p.getSpec().getNodeName()).isEqualTo("turnout-test-node");
          assertThat(p.getStatus().getPhase()).isEqualTo("Succeeded");
        });

    eventually(WAIT, () -> {
      Condition c = current("now", "LastBackupSucceeded");
      assertThat(c.getStatus()).isEqualTo("True");
      assertThat(current("now", "Verified").getStatus()).isEqualTo("True");
      DatabaseBackupStatus s = status("now");
      assertThat(s.lastCheckedJob).isEqualTo(jobName);
      assertThat(s.lastBackupNowToken).isEqualTo("first");
      assertThat(s.lastSuccessfulBackup).isNotNull();
      assertThat(s.lastSuccessfulBackup.sizeBytes).isEqualTo(archive.length);
      assertThat(events(NS.name(), "now")).extracting(Event::getReason).contains("BackupRequested", "BackupSucceeded");
    });
    String object = status("now").lastSuccessfulBackup.object;
    assertThat(keys(bucket)).contains(object, object.replace(".archive.gz", ".manifest.json"));
    try (S3Client s3 = s3server.settings(bucket, "prod/").newClient()) {
      assertThat(s3.getObjectAsBytes(r -> r.bucket(bucket).key(object)).asByteArray()).isEqualTo(archive);
    }
    IdleWrites.assertNone(NS.tier(), NS.name(), staging);
  }

  @Test
  void aJobThatExitsZeroWithoutAManifestIsReportedAsManifestMissing() throws Exception {
    String bucket = s3server.newBucket();
    agentFor(BackupJobFactory.BACKUP_LABEL, "empty");
    client().resource(sample("empty", bucket, "0 3 1 1 *")).create();
    eventually(WAIT, () -> assertThat(current("empty", "Ready").getStatus()).isEqualTo("True"));
    backupNow("empty", "real");
    eventually(WAIT, () -> assertThat(current("empty", "LastBackupSucceeded").getStatus()).isEqualTo("True"));
    String real = status("empty").lastSuccessfulBackup.object;

    // the next pod exits 0 and uploads nothing
    String jobName = BackupJobFactory.onDemandJobName(backup("empty"), "hollow");
    NS.tier().simulator().jobs().whenName("^" + jobName + "$").succeed();
    backupNow("empty", "hollow");
    eventually(WAIT, () -> {
      assertThat(BackupFixtures.complete(job(jobName))).as("Job " + jobName + " Complete").isTrue();
      Condition c = current("empty", "LastBackupSucceeded");
      assertThat(c.getStatus()).isEqualTo("False");
      assertThat(c.getReason()).isEqualTo("ManifestMissing");
      assertThat(c.getMessage()).contains("backup Job " + jobName).contains("s3://" + bucket + "/prod/");
      DatabaseBackupStatus s = status("empty");
      assertThat(s.lastCheckedJob).isEqualTo(jobName);
      assertThat(s.lastFailure.reason).isEqualTo("ManifestMissing");
      assertThat(events(NS.name(), "empty")).anySatisfy(e -> {
        assertThat(e.getType()).isEqualTo("Warning");
        assertThat(e.getReason()).isEqualTo("ManifestMissing");
        assertThat(e.getMessage()).contains(jobName);
      });
    });
    assertThat(status("empty").lastSuccessfulBackup.object).as("not advanced").isEqualTo(real);
    IdleWrites.assertNone(NS.tier(), NS.name(), staging);
    assertThat(events(NS.name(), "empty").stream().filter(e -> "ManifestMissing".equals(e.getReason())))
        .singleElement().satisfies(e -> assertThat(e.getCount()).isIn(null, 1));
  }

  @Test
  void theRealCronJobControllerRunsTheScheduleEveryMinute() throws Exception {
    String bucket = s3server.newBucket();
    agentFor(BackupJobFactory.BACKUP_LABEL, "minutely");
    client().resource(sample("minutely", bucket, "* * * * *")).create();
    // the next minute boundary, then the Job, its pod, the agent's upload and the operator's look at S3
    eventually(Duration.ofSeconds(150), () -> {
      assertThat(current("minutely", "LastBackupSucceeded").getStatus()).isEqualTo("True");
      DatabaseBackupStatus s = status("minutely");
      assertThat(s.lastScheduleTime).isNotNull();
      assertThat(s.lastSuccessfulBackup).isNotNull();
      assertThat(s.lastCheckedJob).startsWith("minutely-backup-");
    });
    CronJob cron = client().batch().v1().cronjobs().inNamespace(NS.name()).withName("minutely-backup").get();
    assertThat(cron.getStatus().getLastScheduleTime()).isNotNull();
    assertThat(keys(bucket)).contains(status("minutely").lastSuccessfulBackup.object);

    // a schedule every minute is never idle: suspend it, and what is running finishes
    edit("minutely", b -> b.getSpec().suspend = true);
    eventually(WAIT, () -> {
      assertThat(current("minutely", "Ready").getMessage()).endsWith("(suspended)");
      assertThat(client().batch().v1().cronjobs().inNamespace(NS.name()).withName("minutely-backup").get()
          .getSpec().getSuspend()).isTrue();
      assertThat(client().batch().v1().jobs().inNamespace(NS.name()).withLabel(BackupJobFactory.BACKUP_LABEL, "minutely")
          .list().getItems()).allSatisfy(j -> assertThat(BackupFixtures.complete(j)).isTrue());
      assertThat(status("minutely").nextScheduleTime).isNull();
    });
    IdleWrites.assertNone(NS.tier(), NS.name(), staging);
  }

  /**
   * The names of what the operator creates must pass the API server: a CronJob's at most 52 characters, a Job's at
   * most 63 (the job-name label of its pods). The mock server accepted any name; the real one refused the CronJob
   * of a 46-character DatabaseBackup with 422, which the operator retried for ever with nothing in status. The CRDs
   * now refuse such names when the resource is created, where the user can still choose another.
   */
  @Test
  void namesTooLongForTheCronJobOrJobAreRefusedAtCreation() throws Exception {
    String ns = NS.name();
    String backupName = "mongo-production-eu-west-1-primary-cluster-a12"; // 46: <name>-backup has 53
    assertThat(backupName.length()).isEqualTo(NameLimits.MAX_BACKUP_NAME + 1);
    DatabaseBackup tooLong = sample(backupName, s3server.newBucket(), "0 3 1 1 *");
    assertThat(BackupFixtures.refusal(() -> client().resource(tooLong).create()))
        .contains("metadata.name may have at most 45 characters");
    // the limits are the API server's: one character more for the objects themselves is refused
    CronJob cron = BackupJobFactory.cronJob(sample(backupName, "b", "0 3 1 1 *"), new BackupJobFactory.Settings("agent:1", null));
    assertThat(BackupFixtures.refusal(() -> client().resource(cron).create())).contains("must be no more than 52 characters");

    String restoreName = "restore-prod-latest-into-staging-before-the-release-2026"; // 56: <name>-restore has 64
    assertThat(restoreName.length()).isEqualTo(NameLimits.MAX_RESTORE_NAME + 1);
    assertThat(BackupFixtures.refusal(() -> client().resource(stagingRestore(restoreName, "prod")).create()))
        .contains("metadata.name may have at most 55 characters");
    DatabaseRestore r = stagingRestore(restoreName, "prod");
    Job job = BackupJobFactory.restoreJob(r, sample("prod", "b", "0 3 1 1 *").getSpec().storage,
        new BackupJobFactory.Settings("agent:1", null));
    assertThat(BackupFixtures.refusal(() -> client().resource(job).create())).contains("must be no more than 63 characters");
    // one character less passes
    DatabaseBackup longest = sample(backupName.substring(1), s3server.newBucket(), "0 3 1 1 *");
    client().resource(longest).create();
    eventually(WAIT, () -> assertThat(current(longest.getMetadata().getName(), "Ready").getStatus()).isEqualTo("True"));
    assertThat(client().batch().v1().cronjobs().inNamespace(ns).withName(longest.getMetadata().getName() + "-backup").get())
        .isNotNull();
    IdleWrites.assertNone(NS.tier(), NS.name(), staging);
  }
}
