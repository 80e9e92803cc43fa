package dev.turnout.backup;

import dev.turnout.common.Conditions;
import dev.turnout.common.EventRecorder;
import dev.turnout.common.Labels;
import dev.turnout.common.OwnedObjects;
import dev.turnout.common.Redactor;
import dev.turnout.common.Times;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Restore drills of a DatabaseBackup (spec.drill), a collaborator of {@link DatabaseBackupReconciler}: owns the drill
 * CronJob ({@link DrillJobs}; deleted when spec.drill is removed), records the newest finished drill Job once in
 * status.lastDrill (times from the Job's status, the API server's clock; counts from its pod's termination message,
 * {@link DrillReport}) with one Event and the metrics, and sets the RestoreDrill condition (absent without spec.drill).
 * An unchanged state makes no write: a drill Job is recorded only when it is newer than status.lastDrill.
 */
@Singleton
class RestoreDrills {
  static final String CONDITION = "RestoreDrill";
  static final String PASSED = "DrillPassed";
  static final String FAILED = "DrillFailed";

  @Inject KubernetesClient client;
  @Inject EventRecorder events;
  @Inject dev.turnout.common.WriteCounter writes;
  @Inject DrillMetrics metrics;

  /** Uids of drill Jobs counted in the metrics (memory only, as the metrics): a retried status write counts once. */
  private final Set<String> counted = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** Informers on drill CronJobs and Jobs only (label turnout.dev/drill), mapped to their DatabaseBackup by that label. */
  static List<EventSource<?, DatabaseBackup>> eventSources(EventSourceContext<DatabaseBackup> context) {
    return List.of(informer(CronJob.class, "databasebackup-drill-cronjob", context),
        informer(Job.class, "databasebackup-drill-job", context));
  }

  private static <R extends HasMetadata> InformerEventSource<R, DatabaseBackup> informer(
      Class<R> type, String name, EventSourceContext<DatabaseBackup> context) {
    return new InformerEventSource<>(
        InformerEventSourceConfiguration.from(type, DatabaseBackup.class)
            .withName(name)
            .withLabelSelector(Labels.MANAGED_SELECTOR + "," + DrillJobs.DRILL_LABEL)
            .withSecondaryToPrimaryMapper(r -> {
              String owner = r.getMetadata().getLabels() == null ? null : r.getMetadata().getLabels().get(DrillJobs.DRILL_LABEL);
              return owner == null ? Set.of() : Set.of(new ResourceID(owner, r.getMetadata().getNamespace()));
            })
            .build(),
        context);
  }

  /**
   * @param valid the DatabaseBackup passed validation (Secrets, zone): no CronJob is created or changed otherwise, but
   *     finished drills are still recorded
   */
  void reconcile(DatabaseBackup backup, DatabaseBackupStatus status, Context<DatabaseBackup> context, boolean valid,
      BackupJobFactory.Settings settings, Instant now) {
    String name = DrillJobs.cronJobName(backup);
    String owner = backup.getMetadata().getName();
    Long generation = backup.getMetadata().getGeneration();
    Optional<CronJob> cached = context.getSecondaryResources(CronJob.class).stream()
        .filter(c -> name.equals(c.getMetadata().getName()) && owner.equals(label(c))).findFirst();
    DrillSpec drill = backup.getSpec().drill;
    if (drill == null) {
      cached.filter(c -> OwnedObjects.isOwnedBy(c, backup)).ifPresent(c -> {
        // its Jobs and pods go with it (the CronJob owns them)
        client.batch().v1().cronjobs().inNamespace(c.getMetadata().getNamespace()).withName(name)
            .withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
        writes.write();
        events.normal(backup, "DrillRemoved", "spec.drill was removed: deleted CronJob " + name);
      });
      status.lastDrill = null;
      status.conditions = new ArrayList<>(status.conditions.stream().filter(c -> !CONDITION.equals(c.getType())).toList());
      return;
    }

    // ---- the newest finished drill Job, recorded once
    List<Job> finished = context.getSecondaryResources(Job.class).stream()
        .filter(j -> owner.equals(label(j)) && JobStates.outcome(j).isPresent())
        .sorted(Comparator.comparing(JobStates::finishedAt)
            .thenComparing(j -> Objects.requireNonNullElse(j.getMetadata().getCreationTimestamp(), ""))
            .thenComparing(j -> j.getMetadata().getName()).reversed()).toList();
    LastDrill last = status.lastDrill;
    Optional<Job> unrecorded = finished.stream().findFirst().filter(j -> last == null || last.time == null
        || (!j.getMetadata().getName().equals(last.job) && !JobStates.finishedAt(j).isBefore(Times.parse(last.time))));
    if (unrecorded.isPresent()) {
      LastDrill recorded = record(unrecorded.get(), last);
      status.lastDrill = recorded;
      if (counted.add(unrecorded.get().getMetadata().getUid())) {
        metrics.drill(backup, recorded.succeeded);
      }
      if (recorded.succeeded) {
        events.normal(backup, PASSED, message(recorded));
      } else {
        events.warning(backup, FAILED, message(recorded));
      }
    }
    if (status.lastDrill != null && status.lastDrill.lastPassedTime != null) {
      metrics.lastSuccess(backup, Times.parse(status.lastDrill.lastPassedTime));
    }

    // ---- the CronJob
    Optional<String> invalid = CronSchedule.validate(drill.schedule).map(p -> "spec.drill.schedule: " + p);
    if (invalid.isPresent()) {
      setProblem(backup, status, "InvalidSchedule", invalid.get(), generation, now);
      return;
    }
    if (valid) {
      CronJob actual = cached.orElseGet(() -> client.batch().v1().cronjobs().inNamespace(backup.getMetadata().getNamespace()).withName(name).get());
      Optional<String> conflict = OwnedObjects.conflict(actual, backup);
      if (conflict.isPresent()) {
        setProblem(backup, status, "CronJobConflict", conflict.get(), generation, now);
        return;
      }
      OwnedObjects.apply(client, actual, DrillJobs.cronJob(backup, settings), null, writes);
    }
    LastDrill d = status.lastDrill;
    if (d == null) {
      ZoneId zone = BackupSpecChecks.zone(backup.getSpec());
      status.conditions = Conditions.set(status.conditions, CONDITION, Conditions.UNKNOWN, "NoDrillYet",
          "CronJob " + name + " runs restore drills \"" + drill.schedule + "\" in " + zone
              + (Boolean.TRUE.equals(drill.suspend) ? " (suspended)" : "") + "; no drill has finished yet"
              + (valid ? "" : " (the CronJob is not applied while the DatabaseBackup is not Ready)"),
          generation, now);
    } else {
      status.conditions = Conditions.set(status.conditions, CONDITION, d.succeeded, d.succeeded ? PASSED : FAILED,
          message(d), generation, now);
    }
  }

  /** A condition for what keeps the drills from running, with one Warning Event when it first shows. */
  private void setProblem(DatabaseBackup backup, DatabaseBackupStatus status, String reason, String message, Long generation, Instant now) {
    boolean isNew = Conditions.find(status.conditions, CONDITION).map(c -> !message.equals(c.getMessage())).orElse(true);
    if (isNew) {
      events.warning(backup, reason, message);
    }
    status.conditions = Conditions.set(status.conditions, CONDITION, false, reason, message, generation, now);
  }

  private LastDrill record(Job job, LastDrill previous) {
    String jobName = job.getMetadata().getName();
    boolean succeeded = JobStates.outcome(job).get();
    Optional<DrillReport> report = DrillReport.of(client, job);
    LastDrill d = new LastDrill();
    d.job = jobName;
    d.time = Times.format(JobStates.finishedAt(job));
    Duration duration = JobStates.duration(job);
    d.durationSeconds = duration == null ? null : duration.toSeconds();
    // the Job's outcome is the verdict; the report adds what was restored (a pod that exited 0 passed every check)
    d.succeeded = succeeded && report.map(r -> r.ok).orElse(true);
    report.ifPresent(r -> {
      d.object = r.object;
      d.collections = r.collections;
      d.documents = r.documents;
    });
    if (d.succeeded) {
      d.message = report.map(r -> r.object + " restored into a throwaway mongod: " + r.collections + " collection(s), "
          + r.documents + " document(s), every count as in the manifest")
          .orElse("drill Job " + jobName + " succeeded (its pod left no report)");
      d.lastPassedTime = d.time;
    } else {
      String why = report.map(r -> r.error).filter(Objects::nonNull).orElseGet(() -> JobStates.failure(job)
          .map(c -> Objects.requireNonNullElse(c.getReason(), "Failed") + ": " + Objects.requireNonNullElse(c.getMessage(), ""))
          .orElse("failed") + " (the agent left no report: kubectl logs job/" + jobName + ")");
      List<String> colls = report.map(r -> r.failedCollections).orElse(List.of());
      d.message = why + (colls.isEmpty() ? "" : " [collections whose counts differ: " + String.join(", ", colls) + "]");
      d.lastPassedTime = previous == null ? null : previous.lastPassedTime;
    }
    d.message = Redactor.uriCredentials(d.message);
    return d;
  }

  private static String message(LastDrill d) {
    return "drill Job " + d.job + (d.succeeded ? " passed" : " failed") + " at " + d.time + ": " + d.message;
  }

  private static String label(HasMetadata o) {
    return o.getMetadata().getLabels() == null ? null : o.getMetadata().getLabels().get(DrillJobs.DRILL_LABEL);
  }
}
