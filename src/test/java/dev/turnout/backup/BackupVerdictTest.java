package dev.turnout.backup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.turnout.backup.BackupVerdict.FinishedJob;
import dev.turnout.backup.BackupVerdict.Listed;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BackupVerdictTest {
  static final Instant START = Instant.parse("2025-03-01T03:00:00Z");
  static final Instant END = Instant.parse("2025-03-01T03:05:00Z");
  static final FinishedJob JOB = new FinishedJob("mongo-prod-backup-29000000", START, END);

  /** One listed backup; job "-" means a manifest without a job name (older agent). */
  static Listed listed(String job, String startedAt, String verified, boolean archivePresent) {
    return new Listed("prod/" + startedAt.replace(":", "-") + ".archive.gz", "-".equals(job) ? null : job, Instant.parse(startedAt),
        "null".equals(verified) ? null : Boolean.valueOf(verified), archivePresent);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    // case,                                     manifest job,               startedAt,            verified, archive, reason
    "'its manifest, verified',                   mongo-prod-backup-29000000, 2025-03-01T03:00:01Z, true,     true,    Succeeded",
    "'its manifest, not verified',               mongo-prod-backup-29000000, 2025-03-01T03:00:01Z, null,     true,    NotVerified",
    "'its manifest, verification failed',        mongo-prod-backup-29000000, 2025-03-01T03:00:01Z, false,    true,    NotVerified",
    "'its manifest, archive gone',               mongo-prod-backup-29000000, 2025-03-01T03:00:01Z, true,     false,   ArchiveMissing",
    "'only another Job''s manifest',             mongo-prod-now-abc,         2025-03-01T03:00:01Z, true,     true,    ManifestMissing",
    "'old agent, started while the Job ran',     -,                          2025-03-01T03:00:01Z, true,     true,    Succeeded",
    "'old agent, within the clock skew',         -,                          2025-03-01T02:59:30Z, true,     true,    Succeeded",
    "'old agent, a day before',                  -,                          2025-02-28T03:00:01Z, true,     true,    ManifestMissing",
    "'old agent, after the Job ended',           -,                          2025-03-01T03:06:00Z, true,     true,    ManifestMissing",
  })
  void aJobThatExitedZeroCountsOnlyWithItsVerifiedBackupInStorage(
      String name, String job, String startedAt, String verified, boolean archive, String reason) {
    BackupVerdict.Outcome o = BackupVerdict.of(JOB, List.of(listed(job, startedAt, verified, archive)), true, "b", "prod/");
    assertThat(o.reason()).isEqualTo(reason);
    assertThat(o.succeeded()).isEqualTo(reason.equals("Succeeded"));
    assertThat(o.message()).contains(JOB.name());
  }

  @org.junit.jupiter.api.Test
  void noManifestAtAllNamesTheJobAndTheExpectedKey() {
    BackupVerdict.Outcome o = BackupVerdict.of(JOB, List.of(), true, "backups", "prod/");
    assertThat(o.succeeded()).isFalse();
    assertThat(o.reason()).isEqualTo("ManifestMissing");
    assertThat(o.message()).contains("backup Job mongo-prod-backup-29000000 exited 0")
        .contains("s3://backups/prod/2025-03-01T03-00-00Z.manifest.json");
  }

  @org.junit.jupiter.api.Test
  void withoutVerificationAnUnverifiedManifestCounts() {
    assertThat(BackupVerdict.of(JOB, List.of(listed(JOB.name(), "2025-03-01T03:00:01Z", "null", true)), false, "b", "").succeeded()).isTrue();
  }

  @ParameterizedTest(name = "newest {0}, last checked {1} -> {2}")
  @CsvSource({"j2, j1, true", "j2, j2, false", ", j1, false", "j1, , true"})
  void aJobIsCheckedOnce(String newest, String lastChecked, boolean pending) {
    assertThat(BackupVerdict.pending(newest, lastChecked)).isEqualTo(pending);
  }
}
