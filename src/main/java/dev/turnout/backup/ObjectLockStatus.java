package dev.turnout.backup;

import dev.turnout.backup.DatabaseBackupStatus.BackupRecord;
import dev.turnout.common.EventRecorder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Backups that retention would prune but S3 Object Lock holds ({@link dev.turnout.backup.catalog.ObjectLocks}), in
 * status.backups[].objectLock. Stable between passes (the same text while the same lock holds: no status write), one
 * Event when a backup is first held, and while any is held every storage read runs retention again so the backup is
 * pruned on the first pass S3 allows it.
 */
final class ObjectLockStatus {
  private ObjectLockStatus() {}

  /**
   * Sets objectLock on {@code records}: from this pass's findings when retention ran ({@code held} non-null), else as
   * the previous status had it. Emits ObjectLockHeld for backups not held before. Returns how many are held.
   */
  static long apply(List<BackupRecord> records, DatabaseBackupStatus before, Map<String, String> held, EventRecorder events,
      DatabaseBackup backup) {
    Map<String, String> previous = new HashMap<>();
    if (before != null && before.backups != null) {
      before.backups.stream().filter(b -> b.objectLock != null).forEach(b -> previous.put(b.object, b.objectLock));
    }
    for (BackupRecord r : records) {
      r.objectLock = held == null ? previous.get(r.object) : held.get(r.object);
      if (r.objectLock != null && !previous.containsKey(r.object)) {
        events.normal(backup, "ObjectLockHeld", "retention keeps " + r.object + " for now: S3 Object Lock on "
            + r.objectLock + "; it is pruned once S3 allows");
      }
    }
    return records.stream().filter(r -> r.objectLock != null).count();
  }

  /** Whether the last status holds a backup by Object Lock: retention then runs on every storage read. */
  static boolean anyHeld(DatabaseBackupStatus before) {
    return before != null && before.backups != null && before.backups.stream().anyMatch(b -> b.objectLock != null);
  }
}
