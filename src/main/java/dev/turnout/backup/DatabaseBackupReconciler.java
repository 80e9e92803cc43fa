package dev.turnout.backup;

import dev.turnout.backup.BackupStorage.StorageException;
import dev.turnout.backup.DatabaseBackupStatus.BackupRecord;
import dev.turnout.common.Conditions;
import dev.turnout.common.EventRecorder;
import dev.turnout.common.Labels;
import dev.turnout.common.OwnedInformers;
import dev.turnout.common.NamespaceTerminating;
import dev.turnout.common.OwnedObjects;
import dev.turnout.common.StatusPatcher;
import dev.turnout.common.Times;
import dev.turnout.common.ValidationReport;
import dev.turnout.common.WriteCounter;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Reconciles a DatabaseBackup: validates it, owns its CronJob (the schedule runs without the operator), runs one
 * on-demand Job per new turnout.dev/backup-now token, and reports status from Jobs' conditions and from the manifests
 * in S3 (never from logs). S3 is read only when a backup Job finished, or every {@link #S3_REFRESH}; retention prunes
 * only after a new verified backup appeared.
 */
@ControllerConfiguration(name = "databasebackup", generationAwareEventProcessing = false)
public class DatabaseBackupReconciler implements Reconciler<DatabaseBackup> {
  static final String SCHEDULED_TIMESTAMP = "batch.kubernetes.io/cronjob-scheduled-timestamp";

  static final Duration S3_REFRESH = Duration.ofMinutes(5);
  static final Duration RECHECK = Duration.ofMinutes(5);
  public static final String LAST_BACKUP_SUCCEEDED = "LastBackupSucceeded";
  public static final String VERIFIED = "Verified";
  public static final String STORAGE_REACHABLE = "StorageReachable";

  @Inject KubernetesClient client;
  @Inject Clock clock;
  @Inject EventRecorder events;
  @Inject BackupStorage storage;
  @Inject BackupMetrics metrics;
  @Inject BackupStateMetrics stateMetrics;
  @Inject WriteCounter writes;
  @Inject BackupJobFactory.Settings settings;
  @Inject RestoreDrills drills;
  @Inject dev.turnout.notify.Notifier notifier;

  /** Per DatabaseBackup (namespace/name): when S3 was last read and which finished Jobs had been seen then. */
  private final Map<String, S3View> views = new ConcurrentHashMap<>();

  /** What the last S3 read found; re-applied on every reconcile so a reconcile never reverts it. */
  record S3View(Instant readAt, Set<String> finishedJobs, String error, BackupRecord lastSuccessful, List<BackupRecord> backups) {}

  private final dev.turnout.common.StaleReadGuard staleReads = new dev.turnout.common.StaleReadGuard();
  private volatile OnDemandBackups onDemand;

  private volatile BackupFindings findings;

  private BackupFindings findings() {
    if (findings == null) {
      synchronized (this) {
        if (findings == null) {
          findings = new BackupFindings(events, metrics);
        }
      }
    }
    return findings;
  }

  private OnDemandBackups onDemand() {
    if (onDemand == null) {
      onDemand = new OnDemandBackups(client, events, writes);
    }
    return onDemand;
  }

  /** Storage reads in flight, per DatabaseBackup. */
  private final StorageReads reads = new StorageReads();

  @Override
  public List<EventSource<?, DatabaseBackup>> prepareEventSources(EventSourceContext<DatabaseBackup> context) {
    List<EventSource<?, DatabaseBackup>> sources = new ArrayList<>(List.of(
        OwnedInformers.byOwnerLabel(CronJob.class, DatabaseBackup.class, Labels.BACKUP, context),
        OwnedInformers.byOwnerLabel(Job.class, DatabaseBackup.class, Labels.BACKUP, context),
        RestoresInUse.eventSource(context)));
    sources.addAll(RestoreDrills.eventSources(context)); // drill CronJobs and Jobs (spec.drill)
    return sources;
  }

  @Override
  public UpdateControl<DatabaseBackup> reconcile(DatabaseBackup backup, Context<DatabaseBackup> context) {
    return NamespaceTerminating.ignoring(() -> reconcileOwned(backup, context));
  }

  private UpdateControl<DatabaseBackup> reconcileOwned(DatabaseBackup backup, Context<DatabaseBackup> context) {
    if (staleReads.isStale(backup)) {
      // our own status write has not reached the cache yet: a status built on this copy would revert it
      return UpdateControl.<DatabaseBackup>noUpdate().rescheduleAfter(Duration.ofMillis(200));
    }
    Instant now = clock.instant();
    String ns = backup.getMetadata().getNamespace();
    String key = ns + "/" + backup.getMetadata().getName();
    Long generation = backup.getMetadata().getGeneration();
    DatabaseBackupSpec spec = backup.getSpec();
    DatabaseBackupStatus before = backup.getStatus();
    DatabaseBackupStatus status = before == null ? new DatabaseBackupStatus() : Serialization.clone(before);
    status.observedGeneration = generation;

    // ---- the Jobs (newest finished first; Job times have one-second precision, so ties go by creation time, then
    // name: the same Job must come first on every reconcile, or two Jobs finished in one second would be checked in
    // turn for ever)
    List<Job> jobs = context.getSecondaryResources(Job.class).stream()
        .filter(j -> backup.getMetadata().getName().equals(j.getMetadata().getLabels().get(Labels.BACKUP)))
        .toList();
    List<Job> finished = jobs.stream().filter(j -> JobStates.outcome(j).isPresent())
        .sorted(Comparator.comparing(JobStates::finishedAt)
            .thenComparing(j -> Objects.requireNonNullElse(j.getMetadata().getCreationTimestamp(), ""))
            .thenComparing(j -> j.getMetadata().getName()).reversed()).toList();
    Optional<Job> newestFinished = finished.stream().findFirst();

    // ---- validity and the CronJob
    List<String> problems = BackupSpecChecks.problems(client, backup);
    ZoneId zone = problems.isEmpty() ? zone(spec) : null;
    CronJob cronJob = null;
    if (!problems.isEmpty()) {
      status.conditions = ValidationReport.ready(events, backup, status.conditions, problems, "", now);
    } else {
      String name = BackupJobFactory.cronJobName(backup);
      CronJob actual =
          context.getSecondaryResources(CronJob.class).stream().filter(c -> name.equals(c.getMetadata().getName())).findFirst()
              .orElseGet(() -> client.batch().v1().cronjobs().inNamespace(ns).withName(name).get());
      Optional<String> conflict = OwnedObjects.conflict(actual, backup);
      if (conflict.isPresent()) {
        boolean isNew = Conditions.find(status.conditions, ValidationReport.READY)
            .map(c -> !conflict.get().equals(c.getMessage())).orElse(true);
        if (isNew) {
          events.warning(backup, "CronJobConflict", conflict.get());
        }
        status.conditions = Conditions.set(status.conditions, ValidationReport.READY, false, "CronJobConflict", conflict.get(), generation, now);
      } else {
        // held (suspended) while an on-demand backup is pending or runs: Forbid for scheduled runs too
        boolean hold = OnDemandBackups.holdsSchedule(backup, status, jobs);
        cronJob = OwnedObjects.apply(client, actual, BackupJobFactory.cronJob(backup, settings, hold), null, writes);
        // the agent refused the settings the spec gives today (exit 2): every run will fail the same way until the
        // spec (or a Secret it names) changes, so the DatabaseBackup is not Ready; an older spec's failure is not held
        Optional<Job> refused = newestFinished.filter(JobFailures::badSettings)
            .filter(j -> JobFailures.sameSettings(j, BackupJobFactory.backupJobSpec(backup, settings)));
        if (refused.isPresent()) {
          status.conditions = Conditions.set(status.conditions, ValidationReport.READY, false, JobFailures.INVALID_SETTINGS,
              JobFailures.failure(refused.get()).message, generation, now);
        } else {
          status.conditions = Conditions.set(status.conditions, ValidationReport.READY, true, "Scheduled",
              "CronJob " + name + " runs \"" + spec.schedule + "\" in " + zone + (Boolean.TRUE.equals(spec.suspend) ? " (suspended)" : ""),
              generation, now);
        }
      }
    }
    status.lastScheduleTime = cronJob == null || cronJob.getStatus() == null || cronJob.getStatus().getLastScheduleTime() == null
        ? status.lastScheduleTime
        : Times.format(Instant.parse(cronJob.getStatus().getLastScheduleTime()));
    Instant next = zone == null || Boolean.TRUE.equals(spec.suspend) ? null : CronSchedule.next(spec.schedule, zone, now).orElse(null);
    status.nextScheduleTime = Times.format(next);

    // ---- backup now: one Job per new token, never while another backup Job runs
    Job created = problems.isEmpty() ? onDemand().reconcile(backup, status, settings, now) : null;

    // ---- Jobs: failures, run metrics, and whether S3 must be read again
    // the CronJob controller stamps each Job it starts with its scheduled time: the newest one is also the last
    // schedule time, even before the CronJob's own status reaches the informer cache
    jobs.stream()
        .map(j -> j.getMetadata().getAnnotations() == null ? null : j.getMetadata().getAnnotations().get(SCHEDULED_TIMESTAMP))
        .filter(java.util.Objects::nonNull)
        .map(Times::parse)
        .max(Comparator.naturalOrder())
        .filter(t -> status.lastScheduleTime == null || Times.parse(status.lastScheduleTime).isBefore(t))
        .ifPresent(t -> status.lastScheduleTime = Times.format(t));
    status.runningJobs = OnDemandBackups.running(jobs, created);
    Set<String> finishedUids = finished.stream().map(j -> j.getMetadata().getUid()).collect(Collectors.toSet());
    findings().countFailed(backup, finished);
    Job toCheck = newestFinished
        .filter(j -> BackupVerdict.pending(JobStates.outcome(j).get() ? j.getMetadata().getName() : null, status.lastCheckedJob))
        .orElse(null);
    JobFailures.newestFailure(finished, status.lastFailure).ifPresent(f -> {
      events.warning(backup, "BackupFailed", f.message);
      status.lastFailure = f;
    });

    // ---- storage shared with other DatabaseBackups: flagged, not refused (ownership keeps each one's backups apart)
    List<DatabaseBackup> sharing = problems.isEmpty()
        ? StorageOverlap.overlapping(backup, context.getPrimaryCache().list().toList()) : List.of();
    if (problems.isEmpty()) {
      status.conditions = StorageReads.sharedCondition(events, backup, status.conditions, sharing, now);
    }

    // ---- S3: manifests, retention, stale uploads, on the storage executor (never holding this thread for long)
    S3View view = views.get(key);
    boolean jobFinishedSinceRead = view == null || !view.finishedJobs().containsAll(finishedUids);
    String storageError = view == null ? null : view.error();
    boolean due = problems.isEmpty() && (jobFinishedSinceRead || toCheck != null || !now.isBefore(view.readAt().plus(S3_REFRESH)));
    boolean reading = false;
    if (due || reads.inFlight(key)) {
      StorageReads.Done done = reads.poll(key, () -> reads.start(storage, backup, before, zone, now, sharing, finishedUids,
          RestoresInUse.objects(context)));
      if (done == null) {
        reading = true; // still running: the result is applied by a later reconcile
      } else {
        String error = null;
        try {
          StoragePass.Result r = done.result();
          List<BackupVerdict.Listed> listed = findings().applyStorage(backup, before, status, r);
          // only a Job that had finished when the read started can be judged by it
          if (toCheck != null && done.finishedJobs().contains(toCheck.getMetadata().getUid())) {
            findings().check(backup, toCheck, listed, status);
          }
          status.conditions = Conditions.set(status.conditions, STORAGE_REACHABLE, true, "Listed",
              "manifests listed in s3://" + spec.storage.s3.bucket + "/" + nz(spec.storage.s3.prefix) + StoragePass.othersNote(r.others()),
              generation, now);
        } catch (StorageException e) {
          error = e.getMessage();
          if (view == null || !error.equals(view.error())) {
            events.warning(backup, e.reason(), error);
          }
          status.conditions = Conditions.set(status.conditions, STORAGE_REACHABLE, false, e.reason(), error, generation, now);
        }
        storageError = error;
        views.put(key, new S3View(done.startedAt(), done.finishedJobs(), error,
            error == null ? status.lastSuccessfulBackup : view == null ? null : view.lastSuccessful(),
            error == null ? status.backups : view == null ? null : view.backups()));
      }
    }
    if (reading || (!due && view != null)) {
      if (view != null && view.backups() != null) {
        status.lastSuccessfulBackup = view.lastSuccessful();
        status.backups = view.backups();
      }
    }
    BackupRecord last = status.lastSuccessfulBackup;
    status.lastSuccessTime = last == null ? null : last.completedAt;
    status.lastSuccessSize = last == null || last.sizeBytes == null ? null : BackupConditions.humanSize(last.sizeBytes);

    // ---- conditions from Jobs and manifests
    status.conditions = BackupConditions.lastBackup(status.conditions, newestFinished, status, storageError, generation, now);
    status.conditions = BackupConditions.verified(status.conditions, last, generation, now);

    PointInTime.Verdict pit = PointInTime.of(last, spec.mongodb.databases);
    status.conditions = Conditions.set(status.conditions, PointInTime.CONDITION, pit.status(), pit.reason(), pit.message(), generation, now);

    // ---- restore drills (spec.drill): their CronJob, status.lastDrill and the RestoreDrill condition
    drills.reconcile(backup, status, context, problems.isEmpty(), settings, now);
    stateMetrics.observe(context.getPrimaryCache(), backup, status, zone);

    DatabaseBackup written = StatusPatcher.patchStatus(client, backup, before, status, writes);
    if (written != null) {
      staleReads.wrote(backup, written.getMetadata().getResourceVersion());
    }
    // webhooks: a failure this write recorded, or no backup for 1.5 intervals (queued only: never waits for a target)
    notifier.submit(() -> dev.turnout.notify.BackupNotices.of(backup, before, status, zone, now));
    if (reading) {
      // the storage read is still running on the storage executor: look for its result soon
      return UpdateControl.<DatabaseBackup>noUpdate().rescheduleAfter(StorageReads.POLL);
    }
    if (!problems.isEmpty()) {
      // Secrets are not watched (that would need list/watch on every Secret): re-check them periodically
      return UpdateControl.<DatabaseBackup>noUpdate().rescheduleAfter(Duration.ofSeconds(30));
    }
    Duration requeue = RECHECK;
    if (next != null && Duration.between(now, next).plusSeconds(2).compareTo(requeue) < 0) {
      requeue = Duration.between(now, next).plusSeconds(2);
    }
    return UpdateControl.<DatabaseBackup>noUpdate().rescheduleAfter(requeue);
  }

  /** The zone the schedule runs in (see {@link BackupSpecChecks#zone}). */
  static ZoneId zone(DatabaseBackupSpec spec) {
    return BackupSpecChecks.zone(spec);
  }

  private static String nz(String s) {
    return s == null ? "" : s;
  }
}
