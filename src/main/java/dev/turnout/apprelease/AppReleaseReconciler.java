package dev.turnout.apprelease;

import static dev.turnout.apprelease.AppReleaseStatusAggregator.OWNERSHIP;

import dev.turnout.apprelease.AppReleaseStatusAggregator.Phase;
import dev.turnout.common.EventRecorder;
import dev.turnout.common.Labels;
import dev.turnout.common.NamespaceTerminating;
import dev.turnout.common.OwnedInformers;
import dev.turnout.common.StaleReadGuard;
import dev.turnout.common.StatusPatcher;
import dev.turnout.common.Times;
import dev.turnout.common.WriteCounter;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Reconciles an AppRelease through the lifecycle of docs/apprelease.md: a new revision per change of what the pods
 * run; the active Service as the truth about traffic; rollbacks and the post-promotion watch; the color Deployments
 * and the preview Service; the gates and the switch; the previous color kept up, then scaled down. Each step is a
 * part with one job (RevisionPlanner, TrafficSwitcher, Rollbacks, PostPromotionWatch, ColorDeployments,
 * PromotionGates, ScaleDownScheduler, AppReleaseStatusAggregator, RevisionSteps); this class only puts them in order.
 *
 * <p>Every decision is made from the cluster's state (status, owned objects, the active Service's selector and the
 * decision written with it), so the operator can stop between any two API calls and resume.
 */
@ControllerConfiguration(name = "apprelease", generationAwareEventProcessing = false)
public class AppReleaseReconciler implements Reconciler<AppRelease> {
  private static final Logger LOG = Logger.getLogger(AppReleaseReconciler.class);
  static final Duration RECHECK = Duration.ofSeconds(30);

  @Inject KubernetesClient client;
  @Inject Clock clock;
  @Inject EventRecorder eventRecorder;
  @Inject ReleaseMetrics metrics;
  @Inject ReleaseStateMetrics stateMetrics;
  @Inject BackupGate backupGate;
  @Inject HealthGate healthGate;
  @Inject WriteCounter writes;
  @Inject ReferencedConfig referencedConfig;
  @Inject ReleasePods releasePods;
  @Inject dev.turnout.notify.Notifier notifier;

  private final StaleReadGuard staleReads = new StaleReadGuard();
  private final PostPromotionWatch watch = new PostPromotionWatch();
  private final WriteHistory history = new WriteHistory();

  @Override
  public List<EventSource<?, AppRelease>> prepareEventSources(EventSourceContext<AppRelease> context) {
    List<EventSource<?, AppRelease>> sources = new ArrayList<>(List.of(
        OwnedInformers.byOwnerLabel(Deployment.class, AppRelease.class, Labels.RELEASE, context),
        OwnedInformers.byOwnerLabel(Service.class, AppRelease.class, Labels.RELEASE, context),
        OwnedInformers.byOwnerLabel(EndpointSlice.class, AppRelease.class, Labels.RELEASE, context),
        OwnedInformers.byOwnerLabel(Job.class, AppRelease.class, Labels.RELEASE, context),
        OwnedInformers.byOwnerLabel(ControllerRevision.class, AppRelease.class, Labels.RELEASE, context),
        backupsOfReleases(context),
        // a change of a Secret or ConfigMap a template uses (its data: a new revision; its absence: ReferencesResolved)
        referencedConfig.eventSource(context),
        // a pod of the release created or deleted: endpoints are matched to colors by their pod's labels
        releasePods.eventSource()));
    // the health gate's own sources: a reconcile when a gate changes, or when a referenced HealthPolicy changes
    sources.addAll(healthGate.eventSources(context));
    return sources;
  }

  /**
   * DatabaseBackups named by spec.backupBeforePromotion: a change of one (its status after a backup) reconciles the
   * releases in its namespace that reference it, so the backup gate opens without waiting for the periodic recheck.
   */
  static InformerEventSource<dev.turnout.backup.DatabaseBackup, AppRelease> backupsOfReleases(EventSourceContext<AppRelease> context) {
    return new InformerEventSource<>(
        InformerEventSourceConfiguration.from(dev.turnout.backup.DatabaseBackup.class, AppRelease.class)
            .withName("apprelease-databasebackup")
            .withSecondaryToPrimaryMapper(b -> context.getPrimaryCache()
                .list(b.getMetadata().getNamespace(), ar -> ar.getSpec() != null && ar.getSpec().backupBeforePromotion != null
                    && b.getMetadata().getName().equals(ar.getSpec().backupBeforePromotion.name))
                .map(ResourceID::fromResource)
                .collect(Collectors.toSet()))
            .build(),
        context);
  }

  @Override
  public UpdateControl<AppRelease> reconcile(AppRelease release, Context<AppRelease> context) {
    if (staleReads.isStale(release)) {
      // our own status write has not reached the cache yet: deciding from this copy could repeat a switch
      return UpdateControl.<AppRelease>noUpdate().rescheduleAfter(Duration.ofMillis(200));
    }
    Instant now = clock.instant();
    AppReleaseStatus before = release.getStatus();
    AppReleaseStatus status = before == null ? new AppReleaseStatus() : Serialization.clone(before);
    ReleaseRun run = null;
    // the Events of this reconcile go out after its status write (see ReconcileEvents)
    ReconcileEvents events = new ReconcileEvents(eventRecorder);
    try {
      ReleaseSnapshot snapshot = ReleaseSnapshot.read(release, context, ConfigResolver.resolve(release, referencedConfig::digests),
          releasePods.of(release.getMetadata().getNamespace(), release.getMetadata().getName()));
      run = new ReleaseRun(release, snapshot, status, now);
      lifecycle(run, context, events);
    } catch (RuntimeException e) {
      if (NamespaceTerminating.is(e)) {
        LOG.debugf("%s/%s: namespace is being deleted, nothing more to do", release.getMetadata().getNamespace(),
            release.getMetadata().getName());
        return UpdateControl.noUpdate();
      }
      try {
        writeStatus(release, before, status, run, "reconcile error: " + e.getMessage());
      } catch (RuntimeException writeFailed) {
        e.addSuppressed(writeFailed);
      } finally {
        events.flush();
      }
      throw e;
    }
    status.observedGeneration = release.getMetadata().getGeneration();
    // the Events go out even when the status write fails: that write may have been applied (a 500 or a timeout after
    // the server stored it), or what the Events tell is already in the cluster (a hook Job created, a drift repaired),
    // and then no later reconcile tells it again; a repeated Event is cheaper than a missing one
    try {
      writeStatus(release, before, status, run, null);
    } finally {
      events.flush();
    }
    stateMetrics.observe(context.getPrimaryCache(), release, status);
    LOG.debugf("%s/%s rv=%s gen=%s: phase=%s active=%s current=%s/%s %s", release.getMetadata().getNamespace(),
        release.getMetadata().getName(), release.getMetadata().getResourceVersion(), release.getMetadata().getGeneration(),
        status.phase, status.activeColor, status.currentColor, status.currentRevision, status.message);
    // at least every RECHECK: the health gate drops probe keys no reconcile asked about for 90 s, so a release waiting
    // for the end of a 300 s post-promotion window must still ask in between (a reconcile that changes nothing writes nothing)
    Duration requeue = run.requeue() == null || run.requeue().compareTo(RECHECK) > 0 ? RECHECK : run.requeue();
    return UpdateControl.<AppRelease>noUpdate().rescheduleAfter(requeue);
  }

  /** The lifecycle of a release, in the order of docs/apprelease.md. */
  private void lifecycle(ReleaseRun run, Context<AppRelease> context, EventRecorder events) {
    AppReleaseStatus status = run.status;
    Optional<String> conflict = Ownership.conflict(client, run);
    if (conflict.isPresent()) {
      blockOnOwnership(run, conflict.get(), events);
      return;
    }
    if (run.spec().isPaused()) {
      status.message = "paused: no change is made to owned objects until spec.paused is false";
      return;
    }
    OwnedWrites writes = new OwnedWrites(client, this.writes, context, run, events, history);
    TrafficSwitcher traffic = new TrafficSwitcher(run, writes, events, metrics);
    Rollbacks rollbacks = new Rollbacks(run, traffic, events, metrics);

    // 1. the active Service is the truth about traffic: finish the bookkeeping of a switch whose status write was lost
    traffic.recover();
    // 2. a change of what the pods run is a new revision
    String readinessGate = run.spec().healthPolicyRef == null ? null : healthGate.readinessGateCondition(run.release, status);
    if (readinessGate == null && status.readinessGate != null && healthGate.policyMissing(run.release)) {
      // a deleted HealthPolicy changes nothing the pods run: the revision keeps its readiness gate (no new revision)
      readinessGate = status.readinessGate;
    }
    RevisionSteps.newRevisionIfChanged(run, readinessGate, events, metrics);
    // 3. traffic back: a rollback token, or the post-promotion watch (a refused switch leaves traffic where it is)
    OwnedWrites.refusable(() -> {
      rollbacks.onToken();
      PostPromotionWatch.Revert revert = watch.check(run, healthGate);
      if (revert != null) {
        rollbacks.revert(revert);
      }
    });
    if (!run.snapshot.config.missing().isEmpty()) {
      // a Secret or ConfigMap the template uses is gone: the checksum of what is left is not the revision's, so writing
      // the color under test now would restart its pods on a config that cannot start. Nothing owned is written (only
      // traffic moves back, on a rollback token or a revert above) until it is back; ReferencesResolved names it.
      return;
    }
    try {
      ownedObjectsGatesAndSwitch(run, context, writes, traffic, readinessGate, events);
    } catch (Ownership.Conflict taken) {
      // a color's name taken by something Turnout did not create, found as it was about to be created
      blockOnOwnership(run, taken.getMessage(), events);
    }
  }

  /** Steps 4 to 6 of the lifecycle. */
  private void ownedObjectsGatesAndSwitch(ReleaseRun run, Context<AppRelease> context, OwnedWrites writes,
      TrafficSwitcher traffic, String readinessGate, EventRecorder events) {
    AppReleaseStatus status = run.status;
    // 4. the owned objects as planned (and as they were, when someone deleted or changed them)
    RevisionTemplates templates = new RevisionTemplates(run, writes, readinessGate);
    ColorDeployments.ensure(run, writes, templates, ScaleDownScheduler.due(run));
    if (status.revisionStartedAt != null && dev.turnout.common.Conditions.find(status.conditions, OWNERSHIP)
        .map(c -> "False".equals(c.getStatus())).orElse(false)) {
      // the last reconcile was blocked by a name someone else held (after the first switch a color's name is looked up
      // only as it is created, so the revision was already recorded): its progress deadline counts from now, when the
      // name is free, not from when the revision was recorded
      status.revisionStartedAt = Times.format(run.now);
    }
    Color preview = status.currentColor != null ? Color.parse(status.currentColor) : Color.blue;
    status.previewColor = preview.label();
    String previewName = run.release.previewServiceName();
    OwnedWrites.refusable(() -> writes.apply(run.snapshot.service(previewName),
        ReleaseObjectsFactory.service(run.release, previewName, preview, "preview"),
        new OwnedWrites.Role("the preview Service", writes.seen("Service", previewName))));
    OwnedWrites.refusable(traffic::ensure);
    templates.prune();
    // 5. the gates of the revision under test, and its switch
    if (run.rolloutPending()) {
      PromotionGates.Decision decision = PromotionGates.evaluate(run, writes, events, backupGate, healthGate);
      if (decision instanceof PromotionGates.Fail f) {
        RevisionSteps.fail(run, writes, f.reason(), f.message(), events, metrics);
      } else if (decision instanceof PromotionGates.Promote p) {
        OwnedWrites.refusable(() -> traffic.promote(Color.parse(status.currentColor), p.token()));
      }
    }
    // 6. after the switch: convergence, then the previous color's scale-down
    OwnedWrites.refusable(() -> ScaleDownScheduler.afterSwitch(run, writes, events, metrics, healthGate));
  }

  private static void blockOnOwnership(ReleaseRun run, String conflict, EventRecorder events) {
    run.gate(OWNERSHIP, false, "OwnershipConflict", conflict);
    if (!conflict.equals(run.status.message)) {
      events.warning(run.release, "OwnershipConflict", conflict);
    }
    run.status.message = conflict;
    run.status.phase = run.status.activeColor == null ? Phase.Pending.name() : run.status.phase;
    run.requeueAtMost(Duration.ofSeconds(60));
  }

  private void writeStatus(AppRelease release, AppReleaseStatus before, AppReleaseStatus status, ReleaseRun run, String error) {
    if (run != null) {
      AppReleaseStatusAggregator.aggregate(run);
    }
    if (error != null) {
      status.message = error;
    } else if (StatusProgress.onlyProgress(before, status)) {
      // only counts moved within the same wait: written with the next change that matters (see StatusProgress)
      return;
    }
    AppRelease written = StatusPatcher.patchStatus(client, release, before, status, writes);
    if (written != null) {
      staleReads.wrote(release, written.getMetadata().getResourceVersion());
      // webhooks tell what this write recorded (queued only: never waits for a target)
      notifier.submit(() -> dev.turnout.notify.ReleaseNotices.of(release, before, status, clock.instant()));
    }
  }
}
