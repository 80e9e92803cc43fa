package dev.turnout.backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The restore drill's CronJob as DrillJobs renders it from spec.drill. */
class DrillJobsTest {
  static DatabaseBackup withDrill() {
    DatabaseBackup b = BackupJobFactoryTest.sample();
    b.getSpec().timeZone = "Europe/Paris";
    b.getSpec().drill = new DrillSpec();
    b.getSpec().drill.schedule = "0 5 * * 0";
    return b;
  }

  @Test
  void theDrillCronJobRunsTheAgentsDrillCommandOnItsOwnSchedule() {
    DatabaseBackup b = withDrill();
    CronJob c = DrillJobs.cronJob(b, BackupJobFactoryTest.SETTINGS);
    assertThat(c.getMetadata().getName()).isEqualTo("mongo-prod-drill");
    assertThat(c.getMetadata().getOwnerReferences()).singleElement().satisfies(o -> {
      assertThat(o.getUid()).isEqualTo("uid-1");
      assertThat(o.getController()).isTrue();
    });
    assertThat(c.getSpec().getSchedule()).isEqualTo("0 5 * * 0");
    assertThat(c.getSpec().getTimeZone()).isEqualTo("Europe/Paris");
    assertThat(c.getSpec().getConcurrencyPolicy()).isEqualTo("Forbid");
    assertThat(c.getSpec().getSuspend()).isFalse();
    // not a backup: no turnout.dev/backup label, so the backup informers and verdicts never see a drill
    Map<String, String> labels = Map.of("app.kubernetes.io/managed-by", "turnout", "turnout.dev/drill", "mongo-prod");
    assertThat(c.getMetadata().getLabels()).isEqualTo(labels);
    assertThat(c.getSpec().getJobTemplate().getMetadata().getLabels()).isEqualTo(labels);
    assertThat(c.getSpec().getJobTemplate().getSpec().getTemplate().getMetadata().getLabels()).isEqualTo(labels);

    var job = c.getSpec().getJobTemplate().getSpec();
    assertThat(job.getBackoffLimit()).as("a failed drill is the finding, not retried").isZero();
    assertThat(job.getActiveDeadlineSeconds()).isEqualTo(7200L);
    PodSpec pod = job.getTemplate().getSpec();
    Container agent = pod.getContainers().get(0);
    assertThat(agent.getCommand()).endsWith("drill");
    assertThat(agent.getTerminationMessagePath()).isEqualTo("/dev/termination-log");
    assertThat(agent.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    Map<String, EnvVar> env = agent.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, e -> e));
    assertThat(env).as("a drill never connects to the backed-up MongoDB").doesNotContainKey("MONGODB_URI");
    assertThat(env.get("OWNER_NAMESPACE").getValue()).isEqualTo("auto-author");
    assertThat(env.get("OWNER_NAME").getValue()).isEqualTo("mongo-prod");
    assertThat(env.get("S3_BUCKET").getValue()).isEqualTo("auto-author-backups");
    assertThat(env.get("S3_PREFIX").getValue()).isEqualTo("prod/");
    assertThat(env.get("AWS_ACCESS_KEY_ID").getValueFrom().getSecretKeyRef().getName()).isEqualTo("backup-s3");
    assertThat(env.get("TERMINATION_MESSAGE_PATH").getValue()).isEqualTo("/dev/termination-log");
    assertThat(pod.getVolumes()).singleElement().satisfies(v -> assertThat(v.getEmptyDir().getSizeLimit().toString()).isEqualTo("10Gi"));
  }

  @Test
  void suspendScratchSizeAndDeadlineComeFromSpecDrill() {
    DatabaseBackup b = withDrill();
    b.getSpec().drill.suspend = true;
    b.getSpec().drill.scratchSizeLimit = "50Gi";
    b.getSpec().drill.activeDeadlineSeconds = 600L;
    CronJob c = DrillJobs.cronJob(b, BackupJobFactoryTest.SETTINGS);
    assertThat(c.getSpec().getSuspend()).isTrue();
    var job = c.getSpec().getJobTemplate().getSpec();
    assertThat(job.getActiveDeadlineSeconds()).isEqualTo(600L);
    assertThat(job.getTemplate().getSpec().getVolumes().get(0).getEmptyDir().getSizeLimit().toString()).isEqualTo("50Gi");
  }

  @Test
  void theDrillUsesTheJobsCredentialsWhenTheSpecNamesThem() {
    DatabaseBackup b = withDrill();
    b.getSpec().storage.s3.jobCredentialsSecretRef = new StorageSpec.CredentialsRef();
    b.getSpec().storage.s3.jobCredentialsSecretRef.name = "backup-s3-jobs";
    var env = DrillJobs.cronJob(b, BackupJobFactoryTest.SETTINGS).getSpec().getJobTemplate().getSpec().getTemplate().getSpec()
        .getContainers().get(0).getEnv().stream().collect(Collectors.toMap(EnvVar::getName, e -> e));
    assertThat(env.get("AWS_SECRET_ACCESS_KEY").getValueFrom().getSecretKeyRef().getName()).isEqualTo("backup-s3-jobs");
  }
}
