package dev.turnout.backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import org.junit.jupiter.api.Test;

/** Issue 11 item 6: a Job the agent failed with exit code 2 (bad settings) is reported as such, not as a plain failure. */
class JobFailuresTest {
  static Job failed(String reason, String message) {
    return new JobBuilder().withNewMetadata().withName("mongo-prod-backup-29000000").endMetadata()
        .withSpec(BackupJobFactory.backupJobSpec(BackupJobFactoryTest.sample(), BackupJobFactoryTest.SETTINGS))
        .withNewStatus().addNewCondition().withType("Failed").withStatus("True").withReason(reason).withMessage(message)
        .withLastTransitionTime("2026-11-20T03:00:05Z").endCondition().endStatus().build();
  }

  @Test
  void exitCodeTwoIsInvalidSettings() {
    // the job controller's message when a pod failure policy FailJob rule matched (Kubernetes 1.26+)
    Job j = failed("PodFailurePolicy",
        "Container agent for pod auto-author/mongo-prod-backup-29000000-x7k2p failed with exit code 2 matching FailJob rule at index 0");
    DatabaseBackupStatus.Failure f = JobFailures.failure(j);
    assertThat(f.reason).isEqualTo("InvalidSettings");
    assertThat(f.message).contains("the agent refused its settings").contains("exit code 2").contains("kubectl logs job/mongo-prod-backup-29000000");
    assertThat(f.time).isEqualTo("2026-11-20T03:00:05Z");
  }

  @Test
  void otherFailuresKeepTheJobsReason() {
    DatabaseBackupStatus.Failure f = JobFailures.failure(failed("BackoffLimitExceeded", "Job has reached the specified backoff limit"));
    assertThat(f.reason).isEqualTo("BackoffLimitExceeded");
    assertThat(JobFailures.badSettings(failed("DeadlineExceeded", "Job was active longer than specified deadline"))).isFalse();
  }

  @Test
  void readyHoldsTheRefusalOnlyForTheSettingsTheSpecGivesToday() {
    Job j = failed("PodFailurePolicy", "Container agent for pod p failed with exit code 2 matching FailJob rule at index 0");
    DatabaseBackup b = BackupJobFactoryTest.sample();
    assertThat(JobFailures.sameSettings(j, BackupJobFactory.backupJobSpec(b, BackupJobFactoryTest.SETTINGS))).isTrue();
    b.getSpec().verify.mode = DatabaseBackupSpec.VerifyMode.RestoreTest;
    assertThat(JobFailures.sameSettings(j, BackupJobFactory.backupJobSpec(b, BackupJobFactoryTest.SETTINGS))).isFalse();
    // the API server fills in a fieldRef's apiVersion: not a change of settings
    j.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
        .filter(e -> e.getValueFrom() != null && e.getValueFrom().getFieldRef() != null)
        .forEach(e -> e.getValueFrom().getFieldRef().setApiVersion("v1"));
    assertThat(JobFailures.sameSettings(j, BackupJobFactory.backupJobSpec(BackupJobFactoryTest.sample(), BackupJobFactoryTest.SETTINGS))).isTrue();
  }
}
