package dev.turnout.notify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.turnout.backup.DatabaseBackup;
import dev.turnout.backup.DatabaseBackupSpec;
import dev.turnout.backup.DatabaseBackupStatus;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class BackupNoticesTest {
  static final ZoneId UTC = ZoneOffset.UTC;

  static DatabaseBackup backup(String schedule) {
    DatabaseBackup b = new DatabaseBackup();
    b.getMetadata().setName("mongo-prod");
    b.getMetadata().setNamespace("shop");
    b.getMetadata().setUid("u2");
    b.getMetadata().setCreationTimestamp("2026-11-01T00:00:00Z");
    b.setSpec(new DatabaseBackupSpec());
    b.getSpec().schedule = schedule;
    return b;
  }

  static DatabaseBackupStatus lastSuccess(String at) {
    DatabaseBackupStatus s = new DatabaseBackupStatus();
    s.lastSuccessTime = at;
    return s;
  }

  @Test
  void staleAfterOneAndAHalfIntervalsSinceTheNewestCompleteBackup() {
    DatabaseBackup daily = backup("0 2 * * *");
    DatabaseBackupStatus s = lastSuccess("2026-12-01T02:05:00Z");
    // daily: stale 36 h after the last success
    assertThat(BackupNotices.staleSince(daily, s, UTC, Instant.parse("2026-12-02T14:05:00Z"))).isEmpty();
    assertThat(BackupNotices.staleSince(daily, s, UTC, Instant.parse("2026-12-02T14:05:01Z")))
        .contains(Instant.parse("2026-12-01T02:05:00Z"));
    DatabaseBackup hourly = backup("@hourly");
    assertThat(BackupNotices.staleSince(hourly, s, UTC, Instant.parse("2026-12-01T03:34:00Z"))).isEmpty();
    assertThat(BackupNotices.staleSince(hourly, s, UTC, Instant.parse("2026-12-01T03:36:00Z"))).isPresent();
  }

  @Test
  void withoutAnyBackupStaleCountsFromCreationAndSuspendedIsNeverStale() {
    DatabaseBackup daily = backup("0 2 * * *");
    assertThat(BackupNotices.staleSince(daily, new DatabaseBackupStatus(), UTC, Instant.parse("2026-11-02T12:00:01Z")))
        .contains(Instant.parse("2026-11-01T00:00:00Z"));
    daily.getSpec().suspend = true;
    assertThat(BackupNotices.staleSince(daily, new DatabaseBackupStatus(), UTC, Instant.parse("2026-12-30T00:00:00Z"))).isEmpty();
    assertThat(BackupNotices.staleSince(backup("0 2 * * *"), new DatabaseBackupStatus(), null, Instant.parse("2026-12-30T00:00:00Z")))
        .as("an invalid spec (no zone) is reported by its condition, not as stale").isEmpty();
  }

  @Test
  void staleNoticeIdIsOnePerStalePeriod() {
    DatabaseBackup daily = backup("0 2 * * *");
    DatabaseBackupStatus s = lastSuccess("2026-12-01T02:05:00Z");
    var first = BackupNotices.of(daily, s, s, UTC, Instant.parse("2026-12-03T00:00:00Z"));
    var later = BackupNotices.of(daily, s, s, UTC, Instant.parse("2026-12-04T00:00:00Z"));
    assertThat(first).singleElement().satisfies(n -> {
      assertThat(n.event()).isEqualTo(Notification.Event.BACKUP_STALE);
      assertThat(n.id()).isEqualTo("u2/backup.stale/2026-12-01T02:05:00Z");
      assertThat(n.message()).isEqualTo("no complete backup since 2026-12-01T02:05:00Z, over 1.5 intervals of schedule \"0 2 * * *\"");
    });
    assertThat(later).extracting(Notification::id).containsExactly(first.get(0).id());
  }

  @Test
  void aNewLastFailureIsABackupFailure() {
    DatabaseBackup daily = backup("0 2 * * *");
    DatabaseBackupStatus before = lastSuccess("2026-12-02T02:05:00Z");
    DatabaseBackupStatus after = Serialization.clone(before);
    after.lastFailure = new DatabaseBackupStatus.Failure();
    after.lastFailure.job = "mongo-prod-backup-29927004";
    after.lastFailure.time = "2026-12-02T03:00:00Z";
    after.lastFailure.reason = "BackupFailed";
    after.lastFailure.message = "mongodump exited 1";
    Instant now = Instant.parse("2026-12-02T03:00:05Z");
    assertThat(BackupNotices.of(daily, before, after, UTC, now)).singleElement().satisfies(n -> {
      assertThat(n.event()).isEqualTo(Notification.Event.BACKUP_FAILED);
      assertThat(n.id()).isEqualTo("u2/backup.failed/mongo-prod-backup-29927004");
      assertThat(n.time()).isEqualTo(Instant.parse("2026-12-02T03:00:00Z"));
      assertThat(n.message()).isEqualTo("backup Job mongo-prod-backup-29927004 failed (BackupFailed): mongodump exited 1");
    });
    assertThat(BackupNotices.of(daily, after, after, UTC, now)).as("the same failure again").isEmpty();
  }
}
