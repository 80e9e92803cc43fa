package dev.turnout.backup;

import dev.turnout.backup.DatabaseBackupStatus.BackupRecord;
import dev.turnout.common.Conditions;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The LastBackupSucceeded and Verified conditions of a DatabaseBackup, as pure functions of its newest finished Job and
 * of what status already records (the last verdict on a Job, the last failure, the newest backup in storage).
 */
final class BackupConditions {
  private BackupConditions() {}

  /**
   * LastBackupSucceeded from the newest finished backup Job: False when it failed or exited 0 without a backup to show
   * for it; Unknown until its manifest was looked up ({@code storageError}: why the lookup has not happened, or null).
   */
  static List<Condition> lastBackup(List<Condition> conditions, Optional<Job> newestFinished, DatabaseBackupStatus status,
      String storageError, Long generation, Instant now) {
    BackupRecord last = status.lastSuccessfulBackup;
    String newestName = newestFinished.map(j -> j.getMetadata().getName()).orElse(null);
    boolean newestFailed = newestFinished.isPresent() && !JobStates.outcome(newestFinished.get()).get();
    boolean newestFalseSuccess = newestName != null && !newestFailed && newestName.equals(status.lastCheckedJob)
        && status.lastFailure != null && newestName.equals(status.lastFailure.job);
    if (newestFailed || newestFalseSuccess) {
      return Conditions.set(conditions, DatabaseBackupReconciler.LAST_BACKUP_SUCCEEDED, false, status.lastFailure.reason,
          status.lastFailure.message, generation, now);
    }
    if (newestName != null && !newestName.equals(status.lastCheckedJob)) {
      // exited 0, but whether it wrote its backup is not known until the manifests could be listed
      return Conditions.set(conditions, DatabaseBackupReconciler.LAST_BACKUP_SUCCEEDED, Conditions.UNKNOWN, "ManifestNotChecked",
          "backup Job " + newestName + " exited 0; its manifest is not checked yet"
              + (storageError == null ? "" : " (storage: " + storageError + ")"),
          generation, now);
    }
    if (newestFinished.isPresent() || last != null) {
      return Conditions.set(conditions, DatabaseBackupReconciler.LAST_BACKUP_SUCCEEDED, true, "Succeeded",
          last == null ? "backup Job " + newestName + " succeeded"
              : "newest backup " + last.object + " (" + humanSize(last.sizeBytes) + ") completed at " + last.completedAt,
          generation, now);
    }
    return Conditions.set(conditions, DatabaseBackupReconciler.LAST_BACKUP_SUCCEEDED, Conditions.UNKNOWN, "NoBackupYet",
        "no backup has run yet", generation, now);
  }

  /** Verified: what the newest complete backup's manifest says of its verification. */
  static List<Condition> verified(List<Condition> conditions, BackupRecord last, Long generation, Instant now) {
    String type = DatabaseBackupReconciler.VERIFIED;
    if (last == null) {
      return Conditions.set(conditions, type, Conditions.UNKNOWN, "NoBackupYet", "no complete backup yet", generation, now);
    }
    if (Boolean.TRUE.equals(last.verified)) {
      return Conditions.set(conditions, type, true, "Verified", last.object + " passed verification", generation, now);
    }
    if (Boolean.FALSE.equals(last.verified)) {
      return Conditions.set(conditions, type, false, "VerificationFailed",
          last.object + " failed verification (see its manifest's verifyError)", generation, now);
    }
    return Conditions.set(conditions, type, Conditions.UNKNOWN, "VerificationPending",
        last.object + " has not been verified yet", generation, now);
  }

  /** 1536 -> "1.5 KiB"; binary units as kubectl shows quantities. */
  static String humanSize(Long bytes) {
    if (bytes == null) {
      return null;
    }
    if (bytes < 1024) {
      return bytes + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
    double v = bytes;
    int i = -1;
    while (v >= 1024 && i < units.length - 1) {
      v /= 1024;
      i++;
    }
    return String.format(Locale.ROOT, v >= 100 ? "%.0f %s" : "%.1f %s", v, units[i]);
  }
}
