package dev.turnout.backup;

import dev.turnout.backup.DatabaseBackupStatus.BackupRecord;
import dev.turnout.backup.catalog.BackupCatalog;
import dev.turnout.common.EventRecorder;
import dev.turnout.common.Times;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * What finished backup Jobs and a storage pass tell about a DatabaseBackup's backups, applied to its status with the
 * Events and metrics they call for: a collaborator of {@link DatabaseBackupReconciler}, which decides when to ask.
 * Each finished Job is counted in the run metrics once (its uid remembered in memory: metrics restart with the process).
 */
final class BackupFindings {
  private static final Logger LOG = Logger.getLogger(BackupFindings.class);

  private final EventRecorder events;
  private final BackupMetrics metrics;
  /** Uids of finished Jobs already counted in the metrics. */
  private final Set<String> counted = ConcurrentHashMap.newKeySet();

  BackupFindings(EventRecorder events, BackupMetrics metrics) {
    this.events = events;
    this.metrics = metrics;
  }

  /** A failed Job counts at once; one that exited 0 counts (as a success or not) when its manifest was looked up. */
  void countFailed(DatabaseBackup backup, List<Job> finished) {
    for (Job j : finished) {
      if (!JobStates.outcome(j).get() && counted.add(j.getMetadata().getUid())) {
        metrics.run(backup, false, JobStates.duration(j));
      }
    }
  }

  /**
   * The verdict on a backup Job that exited 0 (once per Job: remembered in lastCheckedJob): counted in the metrics, and
   * when no verified backup of it is in storage, a failure with a Warning Event.
   */
  void check(DatabaseBackup backup, Job job, List<BackupVerdict.Listed> listed, DatabaseBackupStatus status) {
    String name = job.getMetadata().getName();
    Instant started = job.getStatus() == null ? null : Times.parse(job.getStatus().getStartTime());
    BackupVerdict.Outcome o = BackupVerdict.of(new BackupVerdict.FinishedJob(name, started, JobStates.finishedAt(job)), listed,
        true /* backup Jobs run backup-and-verify */, backup.getSpec().storage.s3.bucket, backup.getSpec().storage.s3.prefix);
    status.lastCheckedJob = name;
    if (counted.add(job.getMetadata().getUid())) {
      metrics.run(backup, o.succeeded(), JobStates.duration(job));
    }
    if (!o.succeeded()) {
      DatabaseBackupStatus.Failure f = new DatabaseBackupStatus.Failure();
      f.time = Times.format(JobStates.finishedAt(job));
      f.reason = o.reason();
      f.message = o.message();
      f.job = name;
      status.lastFailure = f;
      events.warning(backup, o.reason(), o.message());
    }
  }

  /**
   * Applies what a storage pass found: Events and metrics for pruned backups and aborted uploads, lastSuccessfulBackup
   * and backups (this DatabaseBackup's own). Returns its own backups as listed (before retention), for {@link #check}.
   */
  List<BackupVerdict.Listed> applyStorage(DatabaseBackup backup, DatabaseBackupStatus before, DatabaseBackupStatus status,
      StoragePass.Result r) {
    List<String> prunedKeys = r.pruned();
    if (!prunedKeys.isEmpty()) {
      metrics.pruned(backup, prunedKeys.size());
      events.normal(backup, "Pruned", "retention deleted " + prunedKeys.size() + " backup(s): " + String.join(", ", prunedKeys));
    }
    if (!r.aborted().isEmpty()) {
      events.normal(backup, "StaleUploadsAborted", "aborted " + r.aborted().size()
          + " incomplete multipart upload(s) older than the backup Jobs' activeDeadlineSeconds: " + String.join(", ", r.aborted()));
    }
    if (r.abortError() != null) {
      LOG.warnf("%s/%s: listing or aborting stale multipart uploads failed: %s", backup.getMetadata().getNamespace(),
          backup.getMetadata().getName(), r.abortError());
    }
    List<BackupCatalog.Entry> kept = r.kept();
    status.backups = kept.stream().map(BackupFindings::record).toList();
    metrics.objectLockHeld(backup, ObjectLockStatus.apply(status.backups, before, r.objectLockHeld(), events, backup));
    BackupRecord newest = status.backups.isEmpty() ? null : status.backups.get(0);
    BackupRecord old = before == null ? null : before.lastSuccessfulBackup;
    if (newest != null && (old == null || !Objects.equals(old.object, newest.object))) {
      events.normal(backup, "BackupSucceeded", "backup " + newest.object + " complete ("
          + BackupConditions.humanSize(newest.sizeBytes) + ", sha256 " + newest.sha256 + ")");
    }
    if (newest != null && old != null && Objects.equals(old.object, newest.object)
        && !Objects.equals(old.verified, newest.verified) && Boolean.FALSE.equals(newest.verified)) {
      events.warning(backup, "VerificationFailed", "backup " + newest.object + " failed verification");
    }
    status.lastSuccessfulBackup = newest;
    if (newest != null) {
      metrics.lastSuccess(backup, Times.parse(newest.completedAt), newest.sizeBytes);
    }
    status.backups.stream().filter(b -> Boolean.TRUE.equals(b.verified)).findFirst()
        .ifPresent(v -> metrics.lastVerified(backup, Times.parse(v.completedAt)));
    LOG.debugf("%s/%s: %d backup(s) kept, %d pruned", backup.getMetadata().getNamespace(), backup.getMetadata().getName(),
        kept.size(), prunedKeys.size());
    return r.listed();
  }

  /** A backup in storage as status lists it. */
  static BackupRecord record(BackupCatalog.Entry e) {
    BackupRecord r = new BackupRecord();
    r.object = e.archiveKey();
    r.sizeBytes = e.manifest().sizeBytes;
    r.sha256 = e.manifest().sha256;
    r.startedAt = e.manifest().startedAt;
    r.completedAt = e.manifest().completedAt;
    r.verified = e.manifest().verified;
    r.storedAt = e.manifestStoredAt() == null ? null : Times.format(e.manifestStoredAt());
    r.job = e.manifest().job;
    r.pointInTime = e.manifest().pointInTime;
    r.topology = e.manifest().topology;
    return r;
  }
}
