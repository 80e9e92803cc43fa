package dev.turnout.backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BackupStateMetricsTest {
  final BackupStateMetrics metrics = new BackupStateMetrics();
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final DatabaseBackup backup = new DatabaseBackup();
  final DatabaseBackupStatus status = new DatabaseBackupStatus();

  @BeforeEach
  void setUp() {
    metrics.registry = registry;
    metrics.init();
    backup.setMetadata(new ObjectMetaBuilder().withNamespace("shop").withName("nightly")
        .withCreationTimestamp("2026-12-01T00:00:00Z").build());
    backup.setSpec(new DatabaseBackupSpec());
    backup.getSpec().schedule = "0 3 * * *";
  }

  Double value(String metric) {
    var g = registry.find(metric).tags("namespace", "shop", "backup", "nightly").gauge();
    return g == null ? null : g.value();
  }

  @ParameterizedTest(name = "{0} in {1}: {2}")
  @CsvSource(delimiter = '|', value = {
    "0 3 * * *|Etc/UTC|PT24H",
    "@hourly|Etc/UTC|PT1H",
    "*/15 * * * *|Etc/UTC|PT15M",
    "0 3 * * 1-5|Etc/UTC|PT72H",        // Friday to Monday
    "0 0 1 * *|Etc/UTC|PT744H",         // 31 days
    "0 3 * * *|Europe/Paris|PT25H",     // the night the clocks go back
    "30 2 * * *|Europe/Paris|PT47H",    // 02:30 does not exist the night the clocks go forward: that run is skipped
  })
  void theLongestGapBetweenRuns(String schedule, String zone, Duration expected) {
    assertThat(BackupStateMetrics.longestGap(schedule, ZoneId.of(zone), Instant.parse("2026-12-02T12:00:00Z")))
        .contains(expected);
  }

  @Test
  void fromSpecAndStatus() {
    DatabaseBackupStatus.BackupRecord newest = new DatabaseBackupStatus.BackupRecord();
    newest.sizeBytes = 400L;
    newest.verified = false;
    DatabaseBackupStatus.BackupRecord before = new DatabaseBackupStatus.BackupRecord();
    before.sizeBytes = 1000L;
    before.verified = true;
    status.backups = List.of(newest, before);
    status.lastDrill = new LastDrill();
    status.lastDrill.succeeded = true;
    metrics.observe(id -> true, backup, status, ZoneId.of("Etc/UTC"));
    assertThat(value(BackupStateMetrics.INTERVAL)).isEqualTo(86400);
    assertThat(value(BackupStateMetrics.CREATED)).isEqualTo(Instant.parse("2026-12-01T00:00:00Z").getEpochSecond());
    assertThat(value(BackupStateMetrics.PREVIOUS_SIZE)).isEqualTo(1000);
    assertThat(value(BackupStateMetrics.VERIFICATION_FAILED)).isEqualTo(1);
    assertThat(value(BackupStateMetrics.DRILL_FAILED)).isEqualTo(0);

    // suspended (or an invalid spec: no zone): no schedule to be late for; one backup: nothing to compare with
    backup.getSpec().suspend = true;
    newest.verified = null; // not verified yet is not a failure
    status.backups = List.of(newest);
    status.lastDrill.succeeded = false;
    metrics.observe(id -> true, backup, status, ZoneId.of("Etc/UTC"));
    assertThat(value(BackupStateMetrics.INTERVAL)).isNull();
    assertThat(value(BackupStateMetrics.PREVIOUS_SIZE)).isNull();
    assertThat(value(BackupStateMetrics.VERIFICATION_FAILED)).isEqualTo(0);
    assertThat(value(BackupStateMetrics.DRILL_FAILED)).isEqualTo(1);
    backup.getSpec().suspend = null;
    metrics.observe(id -> true, backup, status, null);
    assertThat(value(BackupStateMetrics.INTERVAL)).isNull();
  }
}
