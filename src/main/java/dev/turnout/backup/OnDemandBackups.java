package dev.turnout.backup;

import dev.turnout.common.Conditions;
import dev.turnout.common.EventRecorder;
import dev.turnout.common.Labels;
import dev.turnout.common.WriteCounter;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import dev.turnout.common.Times;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * turnout.dev/backup-now: one on-demand Job per new token, under the CronJob's concurrencyPolicy Forbid. A token that
 * arrives while a backup Job of the same DatabaseBackup (scheduled or on-demand) is active waits: it is not consumed
 * (status.lastBackupNowToken keeps the previous one), condition {@value #CONDITION} is False with reason
 * {@value #WAITING} naming the Job it waits for, and the Job's end (an informer event) starts it. The token is consumed
 * exactly once, when its Job exists.
 *
 * <p>Whether a Job is active is read from the API server (a list by label), not from the informer cache, when a token
 * is about to start: a Job the CronJob controller just created may not be in the cache yet.
 *
 * <p>The other way round, the CronJob controller counts only its own Jobs for concurrencyPolicy Forbid: a scheduled run
 * would start beside an on-demand Job. So the CronJob is suspended from the moment a new token is seen (before its Job
 * is created, in the same reconcile) until no on-demand Job is active ({@link #holdsSchedule}). A schedule time missed
 * meanwhile runs when the CronJob is resumed, if still within startingDeadlineSeconds (the CronJob controller's
 * documented behaviour for a suspended CronJob), so the scheduled backup is delayed, not lost.
 */
final class OnDemandBackups {
  /** Condition type: True once the newest token's Job started; False while it waits for another backup Job. */
  static final String CONDITION = "BackupNow";
  static final String WAITING = "WaitingForRunningBackup";
  static final String STARTED = "Started";

  private final KubernetesClient client;
  private final EventRecorder events;
  private final WriteCounter writes;

  OnDemandBackups(KubernetesClient client, EventRecorder events, WriteCounter writes) {
    this.client = client;
    this.events = events;
    this.writes = writes;
  }

  /**
   * Starts the Job of a new token unless another backup Job is active; updates status (token, condition). Returns the
   * Job created in this call, or null.
   */
  Job reconcile(DatabaseBackup backup, DatabaseBackupStatus status, BackupJobFactory.Settings settings, Instant now) {
    String token = token(backup);
    if (token == null || token.equals(status.lastBackupNowToken)) {
      return null;
    }
    String ns = backup.getMetadata().getNamespace();
    Long generation = backup.getMetadata().getGeneration();
    Job job = BackupJobFactory.onDemandJob(backup, token, settings);
    String jobName = job.getMetadata().getName();
    List<Job> live = client.batch().v1().jobs().inNamespace(ns).withLabel(Labels.BACKUP, backup.getMetadata().getName()).list().getItems();
    boolean ownExists = live.stream().anyMatch(j -> jobName.equals(j.getMetadata().getName()));
    Job created = null;
    if (!ownExists) {
      Optional<String> blocker = blocker(live);
      if (blocker.isPresent()) {
        String message = Labels.BACKUP_NOW + "=" + token + " waits for backup Job " + blocker.get()
            + " to finish (one backup at a time, as the CronJob's concurrencyPolicy Forbid); it starts when that Job ends";
        boolean announced = Conditions.find(status.conditions, CONDITION).map(c -> message.equals(c.getMessage())).orElse(false);
        if (!announced) {
          events.normal(backup, "BackupNowWaiting", message);
        }
        status.conditions = Conditions.set(status.conditions, CONDITION, false, WAITING, message, generation, now);
        return null;
      }
      created = client.resource(job).create();
      writes.write();
      events.normal(backup, "BackupRequested", "on-demand backup Job " + jobName + " started for " + Labels.BACKUP_NOW + "=" + token);
    }
    status.lastBackupNowToken = token;
    status.conditions = Conditions.set(status.conditions, CONDITION, true, STARTED,
        "on-demand backup Job " + jobName + " started for " + Labels.BACKUP_NOW + "=" + token, generation, now);
    return created;
  }

  /**
   * Whether the CronJob must hold its schedule: a token not yet consumed, or an on-demand Job (one carrying the
   * backup-now annotation) that has not finished.
   */
  static boolean holdsSchedule(DatabaseBackup backup, DatabaseBackupStatus status, List<Job> jobs) {
    String token = token(backup);
    boolean pending = token != null && !token.equals(status.lastBackupNowToken);
    return pending || jobs.stream().anyMatch(j -> j.getMetadata().getAnnotations() != null
        && j.getMetadata().getAnnotations().containsKey(Labels.BACKUP_NOW)
        && JobStates.outcome(j).isEmpty() && j.getMetadata().getDeletionTimestamp() == null);
  }

  static String token(DatabaseBackup backup) {
    String token = backup.getMetadata().getAnnotations() == null ? null : backup.getMetadata().getAnnotations().get(Labels.BACKUP_NOW);
    return token == null || token.isBlank() ? null : token;
  }

  /** The oldest active backup Job, if any. */
  static Optional<String> blocker(List<Job> jobs) {
    return jobs.stream()
        .filter(j -> JobStates.outcome(j).isEmpty() && j.getMetadata().getDeletionTimestamp() == null)
        .sorted(Comparator.comparing((Job j) -> Objects.requireNonNullElse(j.getMetadata().getCreationTimestamp(), ""))
            .thenComparing(j -> j.getMetadata().getName()))
        .map(j -> j.getMetadata().getName())
        .findFirst();
  }

  /**
   * The backup Jobs that have not finished, oldest first, including one created in this reconcile (not in the informer
   * cache yet): what a release's backupBeforePromotion waits for instead of asking for one more. Null when none.
   */
  static List<DatabaseBackupStatus.RunningJob> running(List<Job> jobs, Job created) {
    List<Job> all = new ArrayList<>(jobs);
    if (created != null && jobs.stream().noneMatch(j -> j.getMetadata().getName().equals(created.getMetadata().getName()))) {
      all.add(created);
    }
    List<DatabaseBackupStatus.RunningJob> running = all.stream()
        .filter(j -> JobStates.outcome(j).isEmpty() && j.getMetadata().getDeletionTimestamp() == null)
        .sorted(Comparator.comparing((Job j) -> Objects.requireNonNullElse(j.getMetadata().getCreationTimestamp(), ""))
            .thenComparing(j -> j.getMetadata().getName()))
        .map(j -> {
          DatabaseBackupStatus.RunningJob r = new DatabaseBackupStatus.RunningJob();
          r.job = j.getMetadata().getName();
          r.createdAt = j.getMetadata().getCreationTimestamp() == null ? null : Times.format(Times.parse(j.getMetadata().getCreationTimestamp()));
          r.token = j.getMetadata().getAnnotations() == null ? null : j.getMetadata().getAnnotations().get(Labels.BACKUP_NOW);
          return r;
        })
        .toList();
    return running.isEmpty() ? null : running;
  }

}
