package dev.turnout.restore;

import dev.turnout.backup.BackupJobFactory;
import dev.turnout.backup.BackupStorage;
import dev.turnout.backup.BackupStorage.StorageException;
import dev.turnout.backup.DatabaseBackup;
import dev.turnout.backup.JobStates;
import dev.turnout.backup.StorageSpec;
import dev.turnout.backup.catalog.BackupManifest;
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
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Reconciles a DatabaseRestore: resolves the storage (the backupRef's, or its own) and the object ("latest" = newest
 * verified), checks the manifest (sha256 present, archive size as recorded), then runs one restore Job whose agent
 * re-checks the sha256 before mongorestore runs. Phase Pending -> Running -> Succeeded | Failed, from the Job's
 * conditions. A started restore is never started again (the spec is immutable; create a new DatabaseRestore).
 */
@ControllerConfiguration(name = "databaserestore", generationAwareEventProcessing = false)
public class DatabaseRestoreReconciler implements Reconciler<DatabaseRestore> {
  public static final String COMPLETE = "Complete";
  static final Duration RETRY = Duration.ofSeconds(30);

  @Inject KubernetesClient client;
  @Inject Clock clock;
  @Inject EventRecorder events;
  @Inject BackupStorage storage;
  @Inject WriteCounter writes;
  @Inject BackupJobFactory.Settings settings;

  private volatile RestoreReferences references;

  private RestoreReferences references() {
    if (references == null) {
      references = new RestoreReferences(client); // the client is injected after construction
    }
    return references;
  }

  @Override
  public List<EventSource<?, DatabaseRestore>> prepareEventSources(EventSourceContext<DatabaseRestore> context) {
    return List.of(
        OwnedInformers.byOwnerLabel(Job.class, DatabaseRestore.class, Labels.RESTORE, context),
        // a restore waiting for "latest" starts as soon as its DatabaseBackup reports a new verified backup
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(DatabaseBackup.class, DatabaseRestore.class)
                .withName("databaserestore-databasebackup")
                .withSecondaryToPrimaryMapper(
                    b -> context.getPrimaryCache()
                        .list(r -> r.getSpec() != null && r.getSpec().backupRef != null
                            && b.getMetadata().getName().equals(r.getSpec().backupRef.name)
                            && b.getMetadata().getNamespace().equals(
                                r.getSpec().backupRef.namespace == null ? r.getMetadata().getNamespace() : r.getSpec().backupRef.namespace))
                        .map(ResourceID::fromResource)
                        .collect(java.util.stream.Collectors.toSet()))
                .build(),
            context));
  }

  /** What the manifest check found. */
  record Resolved(String object, BackupManifest manifest, Optional<Long> size) {}

  @Override
  public UpdateControl<DatabaseRestore> reconcile(DatabaseRestore restore, Context<DatabaseRestore> context) {
    return NamespaceTerminating.ignoring(() -> reconcileOwned(restore, context));
  }

  private UpdateControl<DatabaseRestore> reconcileOwned(DatabaseRestore restore, Context<DatabaseRestore> context) {
    Instant now = clock.instant();
    DatabaseRestoreStatus before = restore.getStatus();
    DatabaseRestoreStatus status = before == null ? new DatabaseRestoreStatus() : Serialization.clone(before);
    status.observedGeneration = restore.getMetadata().getGeneration();
    Duration requeue = null;
    if ("Succeeded".equals(status.phase) || "Failed".equals(status.phase)) {
      // finished: never run again
    } else if (status.jobName == null) {
      requeue = start(restore, context, status, now);
    } else {
      requeue = follow(restore, context, status, now);
    }
    StatusPatcher.patchIfChanged(client, restore, before, status, writes);
    return requeue == null ? UpdateControl.noUpdate() : UpdateControl.<DatabaseRestore>noUpdate().rescheduleAfter(requeue);
  }

  private Duration start(DatabaseRestore restore, Context<DatabaseRestore> context, DatabaseRestoreStatus status, Instant now) {
    String ns = restore.getMetadata().getNamespace();
    DatabaseRestoreSpec spec = restore.getSpec();
    Long generation = restore.getMetadata().getGeneration();
    // a Job of ours already exists (the operator stopped before it recorded it): status names what that Job restores,
    // never a "latest" resolved again now
    Optional<RestoreJobs.Adopted> adopted = RestoreJobs.adopt(
        client.batch().v1().jobs().inNamespace(ns).withName(BackupJobFactory.restoreJobName(restore)).get(), restore);
    if (adopted.isPresent()) {
      RestoreJobs.Adopted a = adopted.get();
      status.object = a.object();
      status.sha256 = a.sha256();
      status.jobName = a.jobName();
      status.startedAt = a.createdAt();
      status.phase = "Running";
      status.message = "restoring " + a.object() + " with Job " + a.jobName();
      // Ready as the start said it: without this a restore whose status write after the Job's create was lost (a 500
      // answering the applied create, on the real tier under faults) never had a Ready condition. Not validated again:
      // the Job exists, so its references were valid when it was created, and its pod read them when it started; a
      // Secret deleted since must not make a running restore InvalidSpec (it follows its Job from here on)
      status.conditions = ValidationReport.ready(events, restore, status.conditions, List.of(), "references valid", now);
      status.conditions = Conditions.set(status.conditions, COMPLETE, Conditions.UNKNOWN, "Running", status.message, generation, now);
      return follow(restore, context, status, now);
    }
    status.phase = "Pending";
    List<String> problems = references().problems(restore);
    status.conditions = ValidationReport.ready(events, restore, status.conditions, problems, "references valid", now);
    if (!problems.isEmpty()) {
      status.message = String.join("; ", problems);
      return RETRY;
    }
    StorageSpec storageSpec = references().storageOf(restore);
    Resolved r;
    try {
      // with a backupRef, "latest" is that DatabaseBackup's newest verified backup, never another owner's on its prefix
      r = storage.withCatalog(ns, storageSpec, RestoreReferences.owner(restore), catalog -> {
        String key = catalog.resolve(spec.object);
        BackupManifest m = catalog.readManifest(key).orElse(null);
        return new Resolved(key, m, m == null ? Optional.empty() : catalog.archiveSize(key));
      });
    } catch (IllegalArgumentException e) {
      if (!(e instanceof dev.turnout.backup.catalog.BackupCatalog.AmbiguousLatestException)
          && (spec.object == null || spec.object.isBlank() || "latest".equals(spec.object))) {
        status.message = e.getMessage() + "; waiting for one";
        return RETRY; // a backup may still be on its way
      }
      return fail(restore, status, "InvalidObject", e.getMessage(), now);
    } catch (StorageException e) {
      if (!e.getMessage().equals(status.message)) {
        events.warning(restore, "StorageError", e.getMessage());
      }
      status.message = e.getMessage();
      return RETRY;
    }
    status.object = r.object();
    BackupManifest m = r.manifest();
    Optional<ManifestChecks.Refusal> refusal = ManifestChecks.refusal(spec, r.object(), m, r.size());
    if (refusal.isPresent()) {
      return fail(restore, status, refusal.get().reason(), refusal.get().message(), now);
    }
    status.sha256 = m.sha256;
    Job desired = BackupJobFactory.restoreJob(restore, storageSpec, settings, r.object(), m.sha256,
        PointInTimeRestores.tmpSize(spec, PointInTimeRestores.replays(spec, m)));
    String jobName = desired.getMetadata().getName();
    Job existing = client.batch().v1().jobs().inNamespace(ns).withName(jobName).get();
    Optional<String> conflict = OwnedObjects.conflict(existing, restore);
    if (conflict.isPresent()) {
      return fail(restore, status, "JobConflict", conflict.get(), now);
    }
    Job job = existing;
    if (existing == null) {
      job = client.resource(desired).create();
      writes.write();
      events.normal(restore, "RestoreStarted", "restoring " + r.object() + " (sha256 " + m.sha256 + ") with Job " + jobName);
    }
    status.jobName = jobName;
    // the API server's time, as the Job's own status times: not the operator's clock
    String created = job == null || job.getMetadata() == null ? null : job.getMetadata().getCreationTimestamp();
    status.startedAt = created == null ? Times.format(now) : Times.format(Times.parse(created));
    status.phase = "Running";
    status.message = "restoring " + r.object() + " with Job " + jobName;
    status.conditions = Conditions.set(status.conditions, COMPLETE, Conditions.UNKNOWN, "Running", status.message, generation, now);
    return null;
  }

  private Duration follow(DatabaseRestore restore, Context<DatabaseRestore> context, DatabaseRestoreStatus status, Instant now) {
    String ns = restore.getMetadata().getNamespace();
    Job job = context.getSecondaryResources(Job.class).stream().filter(j -> status.jobName.equals(j.getMetadata().getName())).findFirst()
        .orElseGet(() -> client.batch().v1().jobs().inNamespace(ns).withName(status.jobName).get());
    if (job == null) {
      return fail(restore, status, "JobMissing", "restore Job " + status.jobName + " disappeared before it finished", now);
    }
    Optional<Boolean> outcome = JobStates.outcome(job);
    if (outcome.isEmpty()) {
      return null; // the Job's change will reconcile again
    }
    Optional<AgentReport> report = AgentReport.of(client, job);
    report.filter(r -> r.object != null).ifPresent(r -> status.object = r.object);
    String asOf = report.map(r -> PointInTimeRestores.record(r, status)).orElse("");
    if (outcome.get()) {
      status.phase = "Succeeded";
      status.completedAt = Times.format(JobStates.finishedAt(job));
      status.message = "restored " + status.object + asOf + " (sha256 " + status.sha256 + " checked before mongorestore)";
      report.filter(r -> r.documents != null).ifPresent(r -> {
        // a long report drops the per-collection counts to fit the termination message; the total stays
        status.restored = r.restored.isEmpty() ? null : r.restored;
        status.documents = r.documents;
        status.message += ": " + r.documents + " document(s)"
            + (r.restored.isEmpty() ? "" : " in " + r.restored.size() + " collection(s) " + r.restored.keySet())
            + ", counted on the server before they were moved into place";
        if (!r.skipped.isEmpty()) {
          // said, not hidden: what the archive holds that this restore left out on purpose
          status.message += "; not restored: " + r.skipped.keySet().stream().limit(10).toList()
              + (r.skipped.size() > 10 ? " and " + (r.skipped.size() - 10) + " more" : "")
              + " (the server's own databases, system collections, or not matched by nsFrom)";
        }
      });
      status.conditions = Conditions.set(status.conditions, COMPLETE, true, "Restored", status.message, restore.getMetadata().getGeneration(), now);
      events.normal(restore, "Restored", status.message);
      return null;
    }
    JobCondition c = JobStates.failure(job).orElseThrow();
    if (report.isPresent() && report.get().error != null) {
      AgentReport r = report.get();
      status.targetUnchanged = r.targetUnchanged;
      // the agent's error names the counts and whether the target is unchanged
      return fail(restore, status, "RestoreFailed", "restore of " + status.object + " failed: " + r.error, now);
    }
    return fail(restore, status, c.getReason() == null ? "JobFailed" : c.getReason(),
        // no report from the agent (killed, evicted, an older agent): the Job's reason, and where the agent's output is
        "restore Job " + status.jobName + " failed: " + c.getMessage() + "; whether the target changed is not known"
            + " (kubectl logs job/" + status.jobName + " says what the agent did)",
        now);
  }

  private Duration fail(DatabaseRestore restore, DatabaseRestoreStatus status, String reason, String message, Instant now) {
    status.phase = "Failed";
    status.message = message;
    status.completedAt = Times.format(now);
    status.conditions = Conditions.set(status.conditions, COMPLETE, false, reason, message, restore.getMetadata().getGeneration(), now);
    events.warning(restore, "RestoreFailed", message);
    return null;
  }
}
