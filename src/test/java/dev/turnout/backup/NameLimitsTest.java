package dev.turnout.backup;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class NameLimitsTest {
  /** The API server's name limits: CronJob at most 52, a Job (its pods' job-name label) at most 63. */
  @Test
  void namesWhoseObjectsTheApiServerWouldRefuseAreProblems() {
    assertThat(NameLimits.nameProblem("DatabaseBackup", "a".repeat(45), NameLimits.MAX_BACKUP_NAME, "CronJob x"))
        .isEmpty();
    assertThat(NameLimits.nameProblem("DatabaseBackup", "a".repeat(46), NameLimits.MAX_BACKUP_NAME,
        "CronJob " + "a".repeat(46) + "-backup")).hasValueSatisfying(m -> assertThat(m)
            .startsWith("metadata.name: a DatabaseBackup name may have at most 45 characters (this one has 46)")
            .contains("CronJob " + "a".repeat(46) + "-backup"));
    DatabaseBackup longest = BackupJobFactoryTest.sample();
    longest.getMetadata().setName("a".repeat(NameLimits.MAX_BACKUP_NAME));
    assertThat(BackupJobFactory.cronJobName(longest)).hasSize(52);
    assertThat(BackupJobFactory.onDemandJobName(longest, "t")).hasSizeLessThanOrEqualTo(63);
    assertThat(NameLimits.MAX_RESTORE_NAME + "-restore".length()).isEqualTo(63);
  }
}
