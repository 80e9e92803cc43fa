package dev.turnout.backup;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Issue 11 item 12: the backup gate does not compare the agent's clock (the manifest's completedAt, written on some
 * node) with the operator's (the revision's start): it takes the S3 server's LastModified of the manifest, and a backup
 * written by the very Job the revision asked for is fresh whatever the clocks say.
 */
class DatabaseBackupGateTest {
  static final Instant REVISION_START = Instant.parse("2026-11-20T10:00:00Z");

  static DatabaseBackupStatus.BackupRecord record(String object, String completedAt, String storedAt, String job) {
    DatabaseBackupStatus.BackupRecord r = new DatabaseBackupStatus.BackupRecord();
    r.object = object;
    r.completedAt = completedAt;
    r.storedAt = storedAt;
    r.job = job;
    r.verified = true;
    return r;
  }

  static DatabaseBackupStatus status(DatabaseBackupStatus.BackupRecord... records) {
    DatabaseBackupStatus s = new DatabaseBackupStatus();
    s.backups = List.of(records);
    s.lastSuccessfulBackup = records.length == 0 ? null : records[0];
    return s;
  }

  @Test
  void aBackupStoredAfterTheRevisionStartedIsFreshEvenWhenTheAgentsClockIsBehind() {
    // the node's clock is 10 minutes slow: completedAt says 09:55, S3 stored the manifest at 10:05
    var slowNode = record("prod/a.archive.gz", "2026-11-20T09:55:00Z", "2026-11-20T10:05:00Z", "mongo-prod-backup-1");
    assertThat(DatabaseBackupGate.fresh(status(slowNode), REVISION_START, Set.of("mongo-prod-now-0123456789"))).contains(slowNode);
  }

  @Test
  void aBackupStoredBeforeTheRevisionStartedIsNotFreshEvenWhenTheAgentsClockIsAhead() {
    // the node's clock is 10 minutes fast: completedAt says 10:05, but S3 stored the manifest at 09:55
    var fastNode = record("prod/a.archive.gz", "2026-11-20T10:05:00Z", "2026-11-20T09:55:00Z", "mongo-prod-backup-1");
    assertThat(DatabaseBackupGate.fresh(status(fastNode), REVISION_START, Set.of("mongo-prod-now-0123456789"))).isEmpty();
  }

  @Test
  void theBackupOfAJobThisRevisionAskedForOrSawRunningIsFreshWhateverTheClocks() {
    // the S3 server's clock is behind the operator's: its own request's Job wrote it, after the revision started
    var own = record("prod/b.archive.gz", "2026-11-20T09:58:00Z", "2026-11-20T09:58:30Z", "mongo-prod-now-0123456789");
    assertThat(DatabaseBackupGate.fresh(status(own), REVISION_START, Set.of("mongo-prod-now-0123456789"))).contains(own);
    assertThat(DatabaseBackupGate.fresh(status(own), REVISION_START, Set.of("mongo-prod-now-ffffffffff"))).isEmpty();
  }

  @Test
  void recordsListedBeforeStoredAtExistedFallBackToCompletedAt() {
    var old = record("prod/c.archive.gz", "2026-11-20T10:01:00Z", null, null);
    assertThat(DatabaseBackupGate.fresh(status(old), REVISION_START, Set.of())).contains(old);
  }
}
