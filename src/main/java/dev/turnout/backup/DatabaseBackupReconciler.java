package dev.turnout.backup;

import dev.turnout.backup.BackupStorage.StorageException;
import dev.turnout.backup.DatabaseBackupStatus.BackupRecord;
import dev.turnout.backup.catalog.BackupCatalog;
import dev.turnout.common.Conditions;
import dev.turnout.common.EventRecorder;
import dev.turnout.common.Labels;
import dev.turnout.common.OwnedInformers;
import dev.turnout.common.NamespaceTerminating;
import dev.turnout.common.OwnedObjects;
import dev.turnout.common.SecretChecks;
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
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Reconciles a DatabaseBackup: validates it, owns its CronJob (the schedule runs without the operator), runs one
 * on-demand Job per new turnout.dev/backup-now token, and reports status from Jobs' conditions and from the manifests
 * in S3 (never from logs). S3 is read only when a backup Job finished, or every {@link #S3_REFRESH}; retention prunes
 * only after a new verified backup appeared.
 */
@ControllerConfiguration(name = "databasebackup", generationAwareEventProcessing = false)
public class DatabaseBackupReconciler implements Reconciler<DatabaseBackup> {
  static final String SCHEDULED_TIMESTAMP = "batch.kubernetes.io/cronjob-scheduled-timestamp";

  private static final Logger LOG = Logger.getLogger(DatabaseBackupReconciler.class);
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
  /** Uids of finished Jobs already counted in the metrics (memory only: metrics restart with the process). */
  private final Set<String> counted = ConcurrentHashMap.newKeySet();

  /** What the last S3 read found; re-applied on every reconcile so a reconcile never reverts it. */
  record S3View(Instant readAt, Set<String> finishedJobs, String error, BackupRecord lastSuccessful, List<BackupRecord> backups) {}

  private final dev.turnout.common.StaleReadGuard staleReads = new dev.turnout.common.StaleReadGuard();
  private volatile OnDemandBackups onDemand;

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
    List<String> problems = problems(backup);
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
    // a failed Job counts at once; one that exited 0 counts (as a success or not) when its manifest was looked up
    for (Job j : finished) {
      if (!JobStates.outcome(j).get() && counted.add(j.getMetadata().getUid())) {
        metrics.run(backup, false, JobStates.duration(j));
      }
    }
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
          List<BackupVerdict.Listed> listed = applyStorage(backup, before, status, r);
          // only a Job that had finished when the read started can be judged by it
          if (toCheck != null && done.finishedJobs().contains(toCheck.getMetadata().getUid())) {
            check(backup, toCheck, listed, status);
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
    status.lastSuccessSize = last == null || last.sizeBytes == null ? null : humanSize(last.sizeBytes);

    // ---- conditions from Jobs and manifests
    String newestName = newestFinished.map(j -> j.getMetadata().getName()).orElse(null);
    boolean newestFailed = newestFinished.isPresent() && !JobStates.outcome(newestFinished.get()).get();
    boolean newestFalseSuccess = newestName != null && !newestFailed && newestName.equals(status.lastCheckedJob)
        && status.lastFailure != null && newestName.equals(status.lastFailure.job);
    if (newestFailed || newestFalseSuccess) {
      status.conditions = Conditions.set(status.conditions, LAST_BACKUP_SUCCEEDED, false, status.lastFailure.reason,
          status.lastFailure.message, generation, now);
    } else if (newestName != null && !newestName.equals(status.lastCheckedJob)) {
      // exited 0, but whether it wrote its backup is not known until the manifests could be listed
      status.conditions = Conditions.set(status.conditions, LAST_BACKUP_SUCCEEDED, Conditions.UNKNOWN, "ManifestNotChecked",
          "backup Job " + newestName + " exited 0; its manifest is not checked yet"
              + (storageError == null ? "" : " (storage: " + storageError + ")"),
          generation, now);
    } else if (newestFinished.isPresent() || last != null) {
      status.conditions = Conditions.set(status.conditions, LAST_BACKUP_SUCCEEDED, true, "Succeeded",
          last == null ? "backup Job " + newestFinished.get().getMetadata().getName() + " succeeded"
              : "newest backup " + last.object + " (" + humanSize(last.sizeBytes) + ") completed at " + last.completedAt,
          generation, now);
    } else {
      status.conditions = Conditions.set(status.conditions, LAST_BACKUP_SUCCEEDED, Conditions.UNKNOWN, "NoBackupYet",
          "no backup has run yet", generation, now);
    }
    if (last == null) {
      status.conditions = Conditions.set(status.conditions, VERIFIED, Conditions.UNKNOWN, "NoBackupYet", "no complete backup yet", generation, now);
    } else if (Boolean.TRUE.equals(last.verified)) {
      status.conditions = Conditions.set(status.conditions, VERIFIED, true, "Verified", last.object + " passed verification", generation, now);
    } else if (Boolean.FALSE.equals(last.verified)) {
      status.conditions = Conditions.set(status.conditions, VERIFIED, false, "VerificationFailed",
          last.object + " failed verification (see its manifest's verifyError)", generation, now);
    } else {
      status.conditions = Conditions.set(status.conditions, VERIFIED, Conditions.UNKNOWN, "VerificationPending",
          last.object + " has not been verified yet", generation, now);
    }

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

  /**
   * The verdict on a backup Job that exited 0 (once per Job: remembered in lastCheckedJob): counted in the metrics, and
   * when no verified backup of it is in storage, a failure with a Warning Event.
   */
  private void check(DatabaseBackup backup, Job job, List<BackupVerdict.Listed> listed, DatabaseBackupStatus status) {
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
  private List<BackupVerdict.Listed> applyStorage(DatabaseBackup backup, DatabaseBackupStatus before, DatabaseBackupStatus status, StoragePass.Result r) {
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
    status.backups = kept.stream().map(DatabaseBackupReconciler::record).toList();
    metrics.objectLockHeld(backup, ObjectLockStatus.apply(status.backups, before, r.objectLockHeld(), events, backup));
    BackupRecord newest = status.backups.isEmpty() ? null : status.backups.get(0);
    BackupRecord old = before == null ? null : before.lastSuccessfulBackup;
    if (newest != null && (old == null || !Objects.equals(old.object, newest.object))) {
      events.normal(backup, "BackupSucceeded",
          "backup " + newest.object + " complete (" + humanSize(newest.sizeBytes) + ", sha256 " + newest.sha256 + ")");
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

  static ZoneId zone(DatabaseBackupSpec spec) {
    return ZoneId.of(spec.timeZone == null || spec.timeZone.isBlank() ? "Etc/UTC" : spec.timeZone);
  }

  private static int or(Integer v, int d) {
    return v == null ? d : v;
  }

  private static String nz(String s) {
    return s == null ? "" : s;
  }

  List<String> problems(DatabaseBackup backup) {
    String ns = backup.getMetadata().getNamespace();
    DatabaseBackupSpec spec = backup.getSpec();
    List<String> problems = new ArrayList<>();
    // the CRD refuses such names; this catches those created under an older CRD
    NameLimits.nameProblem("DatabaseBackup", backup.getMetadata().getName(), NameLimits.MAX_BACKUP_NAME,
        "CronJob " + BackupJobFactory.cronJobName(backup)).ifPresent(problems::add);
    String zone = spec.timeZone == null ? "Etc/UTC" : spec.timeZone;
    try {
      ZoneId.of(zone);
    } catch (DateTimeException e) {
      problems.add("spec.timeZone: unknown IANA time zone " + zone);
    }
    CronSchedule.validate(spec.schedule).ifPresent(p -> problems.add("spec.schedule: " + p));
    SecretChecks.missing(client, ns, "spec.mongodb.uriSecretRef", spec.mongodb.uriSecretRef.name, List.of(spec.mongodb.uriSecretRef.key))
        .ifPresent(problems::add);
    spec.storage.s3.credentialsSecretRef.problem(client, ns, "spec.storage.s3.credentialsSecretRef").ifPresent(problems::add);
    if (spec.storage.s3.jobCredentialsSecretRef != null) {
      spec.storage.s3.jobCredentialsSecretRef.problem(client, ns, "spec.storage.s3.jobCredentialsSecretRef").ifPresent(problems::add);
    }
    spec.storage.encryptionProblem(client, ns, "spec.storage.clientSideEncryption.keySecretRef").ifPresent(problems::add);
    // the CRD refuses more than one since issue 11; this catches those created under an older CRD (the agent exits 2)
    if (spec.mongodb.databases != null && spec.mongodb.databases.size() > 1) {
      problems.add("spec.mongodb.databases lists " + spec.mongodb.databases.size() + " databases, but mongodump dumps one"
          + " database or all: list one (or none for all), and create one DatabaseBackup per database to dump several");
    }
    return problems;
  }
}
