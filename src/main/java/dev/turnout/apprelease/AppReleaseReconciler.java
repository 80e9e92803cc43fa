package dev.turnout.apprelease;

import static dev.turnout.apprelease.AppReleaseConditions.*;

import dev.turnout.apprelease.AppReleaseConditions.GateCondition;
import dev.turnout.apprelease.AppReleaseConditions.Outcome;
import dev.turnout.apprelease.AppReleaseConditions.Phase;

import dev.turnout.common.EventRecorder;
import dev.turnout.common.Labels;
import dev.turnout.common.NamespaceTerminating;
import dev.turnout.common.OwnedInformers;
import dev.turnout.common.OwnedObjects;
import dev.turnout.common.StatusPatcher;
import dev.turnout.common.Times;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import org.jboss.logging.Logger;

/**
 * Reconciles an AppRelease: one revision per change of version, template or referenced configuration, rolled
 * out to the idle color, gated, switched with one update of the active Service's selector, and the previous
 * color scaled to zero only after the switch has converged and the delay has passed.
 *
 * <p>Every decision is made from the cluster's state (status, owned objects, the active Service's selector),
 * so the operator can stop between any two API calls and resume.
 */
@ControllerConfiguration(name = "apprelease", generationAwareEventProcessing = false)
public class AppReleaseReconciler implements Reconciler<AppRelease> {
  private static final Logger LOG = Logger.getLogger(AppReleaseReconciler.class);
  static final Duration RECHECK = Duration.ofSeconds(30);

  @Inject KubernetesClient client;
  @Inject Clock clock;
  @Inject EventRecorder events;
  @Inject ReleaseMetrics metrics;
  @Inject BackupGate backupGate;
  @Inject HealthGate healthGate;
  @Inject dev.turnout.common.WriteCounter writes;

  @Override
  public List<EventSource<?, AppRelease>> prepareEventSources(EventSourceContext<AppRelease> context) {
    List<EventSource<?, AppRelease>> sources = new ArrayList<>(List.of(
        OwnedInformers.byOwnerLabel(Deployment.class, AppRelease.class, Labels.RELEASE, context),
        OwnedInformers.byOwnerLabel(Service.class, AppRelease.class, Labels.RELEASE, context),
        OwnedInformers.byOwnerLabel(EndpointSlice.class, AppRelease.class, Labels.RELEASE, context),
        OwnedInformers.byOwnerLabel(Job.class, AppRelease.class, Labels.RELEASE, context),
        backupsOfReleases(context)));
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
        io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration
            .from(dev.turnout.backup.DatabaseBackup.class, AppRelease.class)
            .withName("apprelease-databasebackup")
            .withSecondaryToPrimaryMapper(
                b -> context.getPrimaryCache()
                    .list(b.getMetadata().getNamespace(),
                        ar -> ar.getSpec() != null && ar.getSpec().backupBeforePromotion != null
                            && b.getMetadata().getName().equals(ar.getSpec().backupBeforePromotion.name))
                    .map(ResourceID::fromResource)
                    .collect(java.util.stream.Collectors.toSet()))
            .build(),
        context);
  }

  private final dev.turnout.common.StaleReadGuard staleReads = new dev.turnout.common.StaleReadGuard();

  @Override
  public UpdateControl<AppRelease> reconcile(AppRelease release, Context<AppRelease> context) {
    if (staleReads.isStale(release)) {
      // our own status write has not reached the cache yet: acting now would repeat a switch
      return UpdateControl.<AppRelease>noUpdate().rescheduleAfter(Duration.ofMillis(200));
    }
    Instant now = clock.instant();
    AppReleaseStatus before = release.getStatus();
    AppReleaseStatus status = before == null ? new AppReleaseStatus() : Serialization.clone(before);
    Run run = new Run(release, context, status, now);
    Duration requeue;
    try {
      requeue = run.reconcile();
    } catch (RuntimeException e) {
      if (NamespaceTerminating.is(e)) {
        LOG.debugf("%s/%s: namespace is being deleted, nothing more to do", run.ns, release.getMetadata().getName());
        return UpdateControl.noUpdate();
      }
      status.message = "reconcile error: " + e.getMessage();
      AppReleaseConditions.aggregate(release, status, now, run.gateConditions, run.liveShortfall());
      if (StatusPatcher.patchIfChanged(client, release, before, status, writes)) {
        staleReads.wrote(release);
      }
      throw e;
    }
    status.observedGeneration = release.getMetadata().getGeneration();
    AppReleaseConditions.aggregate(release, status, now, run.gateConditions, run.liveShortfall());
    LOG.debugf("%s/%s rv=%s gen=%s: phase=%s active=%s current=%s/%s %s", run.ns, release.getMetadata().getName(),
        release.getMetadata().getResourceVersion(), release.getMetadata().getGeneration(), status.phase, status.activeColor,
        status.currentColor, status.currentRevision, status.message);
    if (StatusPatcher.patchIfChanged(client, release, before, status, writes)) {
      staleReads.wrote(release);
    }
    return requeue == null
        ? UpdateControl.<AppRelease>noUpdate().rescheduleAfter(RECHECK)
        : UpdateControl.<AppRelease>noUpdate().rescheduleAfter(requeue);
  }

  /** One reconcile of one release: observed objects, the status being built, and the clock reading. */
  final class Run {
    final AppRelease release;
    final Context<AppRelease> context;
    final AppReleaseStatus status;
    final Instant now;
    final String ns;
    final Map<String, GateCondition> gateConditions = new TreeMap<>();
    final Map<Color, Deployment> deployments = new HashMap<>();
    final Map<String, Service> services = new HashMap<>();
    final Map<String, List<EndpointSlice>> slices = new HashMap<>();
    final Map<String, Job> jobs = new HashMap<>();
    Duration requeue;
    String readinessGate;

    Run(AppRelease release, Context<AppRelease> context, AppReleaseStatus status, Instant now) {
      this.release = release;
      this.context = context;
      this.status = status;
      this.now = now;
      this.ns = release.getMetadata().getNamespace();
      for (Deployment d : context.getSecondaryResources(Deployment.class)) {
        String color = d.getMetadata().getLabels() == null ? null : d.getMetadata().getLabels().get(Labels.COLOR);
        if (color != null && d.getMetadata().getName().equals(release.deploymentName(Color.parse(color)))) {
          deployments.put(Color.parse(color), d);
        }
      }
      context.getSecondaryResources(Service.class).forEach(s -> services.put(s.getMetadata().getName(), s));
      for (EndpointSlice s : context.getSecondaryResources(EndpointSlice.class)) {
        String svc = s.getMetadata().getLabels() == null ? null : s.getMetadata().getLabels().get("kubernetes.io/service-name");
        if (svc != null) {
          slices.computeIfAbsent(svc, k -> new ArrayList<>()).add(s);
        }
      }
      context.getSecondaryResources(Job.class).forEach(j -> jobs.put(j.getMetadata().getName(), j));
    }

    Duration reconcile() {
      Optional<String> conflict = ownershipConflict();
      if (conflict.isPresent()) {
        gate(OWNERSHIP, false, "OwnershipConflict", conflict.get());
        if (!conflict.get().equals(status.message)) {
          events.warning(release, "OwnershipConflict", conflict.get());
        }
        status.message = conflict.get();
        status.phase = status.activeColor == null ? Phase.Pending.name() : status.phase;
        return Duration.ofSeconds(60);
      }
      gateConditions.remove(OWNERSHIP);
      if (release.getSpec().isPaused()) {
        status.phase = Phase.Paused.name();
        status.message = "paused: no change is made to owned objects until spec.paused is false";
        return null;
      }

      ResolvedConfig config = resolveConfig();
      recoverSwitchFromService();
      readinessGate = release.getSpec().healthPolicyRef == null ? null : healthGate.readinessGateCondition(release, status);
      if (config.missing().isEmpty()) {
        gate(REFERENCES, true, "Resolved", "every Secret and ConfigMap the template uses exists");
        // a pod readiness gate is part of the pod template, so adding or removing one is a new revision
        String hash = ReleaseDecisions.revisionHash(release.getSpec(),
            readinessGate == null ? config.checksum() : config.checksum() + "|readinessGate=" + readinessGate);
        if (!hash.equals(status.currentRevisionHash)) {
          startRevision(hash);
        }
      } else {
        String msg = "missing " + String.join("; ", config.missing());
        if (!msg.equals(gateMessage(REFERENCES))) {
          events.warning(release, "MissingReference", msg);
        }
        gate(REFERENCES, false, "MissingReference", msg);
      }

      handleRollbackAnnotation();
      watchAfterPromotion();
      ensureDeployments(config.checksum());
      ensureServices();
      if (rolloutPending()) {
        runGates();
      }
      afterSwitch();
      updateMessage(config);
      return requeue;
    }

    // ---- ownership -----------------------------------------------------------------------------------

    Optional<String> ownershipConflict() {
      for (String name : List.of(release.activeServiceName(), release.previewServiceName())) {
        Service s = services.get(name);
        if (s == null) {
          s = client.services().inNamespace(ns).withName(name).get();
        }
        Optional<String> c = OwnedObjects.conflict(s, release);
        if (c.isPresent()) {
          return c;
        }
      }
      for (Color color : Color.values()) {
        if (!deployments.containsKey(color)) {
          Deployment d = client.apps().deployments().inNamespace(ns).withName(release.deploymentName(color)).get();
          Optional<String> c = OwnedObjects.conflict(d, release);
          if (c.isPresent()) {
            return c;
          }
        }
      }
      return Optional.empty();
    }

    // ---- referenced configuration -----------------------------------------------------------------------

    record ResolvedConfig(List<String> missing, String checksum) {}

    ResolvedConfig resolveConfig() {
      List<ConfigReferences.Reference> refs = ConfigReferences.of(release.getSpec().template);
      List<String> missing = new ArrayList<>();
      TreeMap<String, String> digestInput = new TreeMap<>();
      Map<String, Map<String, String>> secrets = new HashMap<>();
      Map<String, Map<String, String>> configMaps = new HashMap<>();
      for (ConfigReferences.Reference ref : refs) {
        Map<String, String> data;
        if (ref.kind() == ConfigReferences.Kind.Secret) {
          data = secrets.computeIfAbsent(ref.name(), n -> {
            Secret s = client.secrets().inNamespace(ns).withName(n).get();
            if (s == null) {
              return null;
            }
            Map<String, String> d = new TreeMap<>(s.getData() == null ? Map.of() : s.getData());
            if (s.getStringData() != null) {
              d.putAll(s.getStringData());
            }
            return d;
          });
        } else {
          data = configMaps.computeIfAbsent(ref.name(), n -> {
            ConfigMap c = client.configMaps().inNamespace(ns).withName(n).get();
            if (c == null) {
              return null;
            }
            Map<String, String> d = new TreeMap<>(c.getData() == null ? Map.of() : c.getData());
            if (c.getBinaryData() != null) {
              d.putAll(c.getBinaryData());
            }
            return d;
          });
        }
        if (data == null) {
          missing.add(String.format("%s %s does not exist (used by %s)", ref.kind(), ref.name(), ref.usedBy()));
        } else if (ref.key() != null && !data.containsKey(ref.key())) {
          missing.add(String.format("%s %s has no key %s (used by %s)", ref.kind(), ref.name(), ref.key(), ref.usedBy()));
        } else {
          digestInput.put(ref.kind() + "/" + ref.name(), new TreeMap<>(data).toString());
        }
      }
      return new ResolvedConfig(missing, digestInput.isEmpty() ? null : sha(digestInput.toString()));
    }

    // ---- revisions -------------------------------------------------------------------------------------

    void startRevision(String hash) {
      long number = Optional.ofNullable(status.currentRevision).orElse(0L) + 1;
      RevisionRecord current = currentRecord();
      if (current != null && Outcome.Pending.name().equals(current.outcome)) {
        current.outcome = Outcome.Superseded.name();
        current.reason = "superseded by revision " + number + " before its switch";
        events.normal(release, "Superseded", "revision " + current.revision + " superseded by revision " + number);
      }
      Color active = Color.parse(status.activeColor);
      Deployment live = active == null ? null : deployments.get(active);
      String liveHash = live == null ? null : annotation(live, Labels.REVISION_HASH);
      RevisionRecord rec = new RevisionRecord();
      rec.revision = number;
      rec.version = release.getSpec().version;
      rec.images = ReleaseDecisions.images(release.getSpec());
      rec.createdAt = Times.format(now);
      rec.changedBy = ReleaseDecisions.lastSpecManager(release.getMetadata().getManagedFields());
      status.currentRevision = number;
      status.currentRevisionHash = hash;
      status.revisionStartedAt = Times.format(now);
      status.gatesPassedAt = null;
      gateConditions.clear();
      if (hash.equals(liveHash)) {
        // the spec went back to what already serves (e.g. reverted in git): nothing to roll out or switch
        rec.color = active.label();
        rec.outcome = Outcome.Promoted.name();
        rec.promotedAt = Times.format(now);
        rec.reason = "same pods as the live revision " + status.activeRevision + "; no switch needed";
        status.currentColor = active.label();
        status.activeRevision = number;
        events.normal(release, "RevisionMatchesLive", "revision " + number + " (" + rec.version + ") is what already serves on " + active);
      } else {
        Color color = ReleaseDecisions.colorForNewRevision(active);
        rec.color = color.label();
        rec.outcome = Outcome.Pending.name();
        status.currentColor = color.label();
        if (color.label().equals(status.previousColor)) {
          // the idle color is reused: the revision it kept up for rollback is replaced now
          status.previousColor = null;
          status.previousRevision = null;
          status.scaleDownAt = null;
        }
        metrics.started(release);
        events.normal(release, "RevisionCreated", String.format("revision %d (%s) rolls out to %s", number, rec.version, color));
      }
      status.history.add(0, rec);
      trimHistory();
    }

    void trimHistory() {
      int limit = release.getSpec().historyLimit();
      while (status.history.size() > limit) {
        status.history.remove(status.history.size() - 1);
      }
    }

    RevisionRecord currentRecord() {
      return record(status.currentRevision);
    }

    RevisionRecord record(Long revision) {
      if (revision == null) {
        return null;
      }
      return status.history.stream().filter(r -> revision.equals(r.revision)).findFirst().orElse(null);
    }

    boolean rolloutPending() {
      RevisionRecord rec = currentRecord();
      return rec != null
          && Outcome.Pending.name().equals(rec.outcome)
          && status.currentColor != null
          && !status.currentColor.equals(status.activeColor);
    }

    // ---- deployments -----------------------------------------------------------------------------------

    void ensureDeployments(String configChecksum) {
      Color active = Color.parse(status.activeColor);
      Color current = Color.parse(status.currentColor);
      boolean pending = rolloutPending();
      for (Color color : Color.values()) {
        Deployment actual = deployments.get(color);
        if (pending && color == current) {
          int replicas =
              actual != null && status.currentRevisionHash.equals(annotation(actual, Labels.REVISION_HASH)) && actual.getSpec().getReplicas() != null
                  ? actual.getSpec().getReplicas()
                  : ReleaseDecisions.initialReplicas(active == null ? null : deployments.get(active), release.getSpec().replicasOrDefault());
          Deployment desired =
              ReleaseObjectsFactory.deployment(
                  release, color, status.currentRevision, status.currentRevisionHash, configChecksum, replicas, readinessGate);
          Deployment written =
              OwnedObjects.apply(client, actual, desired, ReleaseObjectsFactory.deploymentHash(desired), null, writes);
          if (written != actual) {
            remember(Deployment.class, written, actual);
            deployments.put(color, written);
          }
        } else if (color == active) {
          if (!pending) {
            track(color, OwnedObjects.scale(client, actual, release.getSpec().replicasOrDefault(), writes));
          }
        } else if (color.label().equals(status.previousColor) && !scaleDownDue()) {
          // kept up for an instant rollback until scaleDownAt
        } else {
          track(color, OwnedObjects.scale(client, actual, 0, writes));
        }
      }
    }

    void track(Color color, Deployment written) {
      if (written != null && written != deployments.get(color)) {
        remember(Deployment.class, written, deployments.get(color));
        deployments.put(color, written);
      }
    }

    boolean scaleDownDue() {
      Instant at = Times.parse(status.scaleDownAt);
      if (status.switchConvergedAt == null || at == null) {
        return false;
      }
      if (now.isBefore(at)) {
        requeueAtMost(Duration.between(now, at));
        return false;
      }
      return true;
    }

    // ---- services --------------------------------------------------------------------------------------

    void ensureServices() {
      Color preview = status.currentColor != null ? Color.parse(status.currentColor) : Color.blue;
      status.previewColor = preview.label();
      applyService(release.previewServiceName(), preview, "preview");
      if (status.activeColor != null) {
        applyService(release.activeServiceName(), Color.parse(status.activeColor), "active");
      }
    }

    void applyService(String name, Color color, String role) {
      Service actual = services.get(name);
      Service desired = ReleaseObjectsFactory.service(release, name, color, role);
      Service written =
          OwnedObjects.apply(client, actual, desired, d -> ReleaseObjectsFactory.preserveServiceFields(d, actual), writes);
      if (written != actual) {
        remember(Service.class, written, actual);
        services.put(name, written);
      }
    }

    Color activeServiceColor() {
      Service s = services.get(release.activeServiceName());
      if (s == null || s.getSpec() == null || s.getSpec().getSelector() == null) {
        return null;
      }
      return Color.parse(s.getSpec().getSelector().get(Labels.COLOR));
    }

    /**
     * The active Service's selector is the truth about where traffic goes. If it differs from status, the
     * operator stopped between switching and recording the switch: finish the bookkeeping now.
     */
    void recoverSwitchFromService() {
      Color serving = activeServiceColor();
      if (serving == null || serving.label().equals(status.activeColor)) {
        return;
      }
      if (serving.label().equals(status.currentColor) && rolloutPending()) {
        LOG.infof("%s/%s: active Service already selects %s; recording the switch", ns, release.getMetadata().getName(), serving);
        recordSwitch(serving, "recovered after restart");
      } else if (serving.label().equals(status.previousColor)) {
        LOG.infof("%s/%s: active Service already selects %s; recording the rollback", ns, release.getMetadata().getName(), serving);
        recordRollback(Color.parse(status.activeColor), serving, "rollback recorded after restart", "recovered");
      }
    }

    // ---- gates -----------------------------------------------------------------------------------------

    void runGates() {
      Color color = Color.parse(status.currentColor);
      StrategySpec strategy = release.getSpec().strategyOrDefault();
      Instant started = Times.parse(status.revisionStartedAt);
      boolean passed = rolloutGate(color) && hooksGate(color) && backupGate() && healthGate(color);
      if (!passed) {
        if (ReleaseDecisions.deadlineMissed(now, started, strategy.progressDeadline())) {
          String why = firstFailingGateMessage();
          failRevision("ProgressDeadlineExceeded", "not ready within progressDeadlineSeconds=" + strategy.progressDeadline() + ": " + why);
        } else if (started != null) {
          requeueAtMost(Duration.between(now, started.plusSeconds(strategy.progressDeadline())).plusSeconds(1));
        }
        return;
      }
      if (status.gatesPassedAt == null) {
        status.gatesPassedAt = Times.format(now);
      }
      String token = annotations().get(Labels.PROMOTE);
      boolean promoteRequested = token != null && !token.equals(status.lastPromoteToken);
      Instant delayEnds = Times.parse(status.gatesPassedAt).plusSeconds(strategy.promotionDelay());
      if (!promoteRequested && now.isBefore(delayEnds)) {
        gate(PROMOTION, false, "PromotionDelay", "every gate passed; switching at " + Times.format(delayEnds));
        requeueAtMost(Duration.between(now, delayEnds));
        return;
      }
      if (!strategy.autoPromote() && !promoteRequested) {
        gate(PROMOTION, false, "AwaitingPromotion", "every gate passed; set annotation " + Labels.PROMOTE + " to a new value to switch");
        status.phase = Phase.AwaitingPromotion.name();
        return;
      }
      if (promoteRequested) {
        status.lastPromoteToken = token;
      }
      gate(PROMOTION, true, promoteRequested ? "Promoted" : "AutoPromoted", "traffic switched to " + color);
      switchTo(color);
    }

    boolean rolloutGate(Color color) {
      Deployment d = deployments.get(color);
      int replicas = d == null || d.getSpec().getReplicas() == null ? release.getSpec().replicasOrDefault() : d.getSpec().getReplicas();
      if (!ReleaseDecisions.rolledOut(d, replicas)) {
        gate(ROLLOUT, false, "RollingOut", ReleaseDecisions.rolloutProgress(d, replicas));
        return false;
      }
      long ready = ReleaseDecisions.readyEndpointsOf(slices.get(release.previewServiceName()), d.getMetadata().getName());
      if (ready < replicas) {
        gate(ROLLOUT, false, "WaitingForEndpoints",
            String.format("%d/%d pods of %s ready behind Service %s", ready, replicas, color, release.previewServiceName()));
        return false;
      }
      gate(ROLLOUT, true, "Available", String.format("%d/%d pods of %s available and ready behind Service %s",
          replicas, replicas, color, release.previewServiceName()));
      return true;
    }

    boolean hooksGate(Color color) {
      List<HookSpec> hooks = release.getSpec().hooks == null || release.getSpec().hooks.prePromotion == null
          ? List.of() : release.getSpec().hooks.prePromotion;
      if (hooks.isEmpty()) {
        gateConditions.remove(HOOKS);
        return true;
      }
      for (HookSpec hook : hooks) {
        String name = hookJobName(hook);
        Job job = jobs.get(name);
        if (job == null) {
          job = client.batch().v1().jobs().inNamespace(ns).withName(name).get();
        }
        if (job == null) {
          Job created = client.resource(hookJob(hook, name, color)).create();
          writes.write();
          remember(Job.class, created, null);
          events.normal(release, "HookStarted", "pre-promotion hook " + hook.name + " started as Job " + name);
          gate(HOOKS, false, "HookRunning", "hook " + hook.name + " (Job " + name + ") running");
          return false;
        }
        Optional<Boolean> outcome = ReleaseDecisions.jobOutcome(job);
        if (outcome.isEmpty()) {
          gate(HOOKS, false, "HookRunning", "hook " + hook.name + " (Job " + name + ") running");
          return false;
        }
        if (!outcome.get()) {
          String msg = "hook " + hook.name + " (Job " + name + ") failed: " + ReleaseDecisions.jobFailureMessage(job);
          gate(HOOKS, false, "HookFailed", msg);
          failRevision("HookFailed", msg);
          return false;
        }
      }
      gate(HOOKS, true, "Succeeded", hooks.size() + " pre-promotion hook(s) succeeded");
      return true;
    }

    String hookJobName(HookSpec hook) {
      return ReleaseObjectsFactory.hookJobName(release, hook, status.currentRevision);
    }

    Job hookJob(HookSpec hook, String name, Color color) {
      return ReleaseObjectsFactory.hookJob(release, hook, name, color, status.currentRevision);
    }

    boolean backupGate() {
      if (release.getSpec().backupBeforePromotion == null) {
        gateConditions.remove(BACKUP);
        return true;
      }
      GateResult r = backupGate.beforePromotion(release, status, now);
      gate(BACKUP, r.passed(), r.reason(), r.message());
      return r.passed();
    }

    boolean healthGate(Color color) {
      if (release.getSpec().healthPolicyRef == null) {
        gateConditions.remove(HEALTH);
        return true;
      }
      GateResult r = healthGate.prePromotion(release, status, color, now);
      gate(HEALTH, r.passed(), r.reason(), r.message());
      return r.passed();
    }

    String firstFailingGateMessage() {
      return gateConditions.values().stream().filter(g -> !g.passed()).map(GateCondition::message).findFirst().orElse("gates not passed");
    }

    void failRevision(String reason, String message) {
      RevisionRecord rec = currentRecord();
      rec.outcome = Outcome.Failed.name();
      rec.reason = message;
      status.message = message;
      events.warning(release, reason, "revision " + rec.revision + " failed, traffic stays on " + Objects.toString(status.activeColor, "nothing") + ": " + message);
      metrics.failed(release, reason);
      // the failed color is scaled down by ensureDeployments on the next pass; do it now to release capacity
      Color color = Color.parse(status.currentColor);
      if (color != null && !color.label().equals(status.activeColor)) {
        track(color, OwnedObjects.scale(client, deployments.get(color), 0, writes));
      }
    }

    // ---- the switch ------------------------------------------------------------------------------------

    void switchTo(Color color) {
      applyService(release.activeServiceName(), color, "active");
      recordSwitch(color, null);
    }

    void recordSwitch(Color color, String note) {
      RevisionRecord rec = currentRecord();
      status.previousColor = status.activeColor;
      status.previousRevision = status.activeRevision;
      status.activeColor = color.label();
      status.activeRevision = status.currentRevision;
      status.lastSwitchTime = Times.format(now);
      status.switchConvergedAt = null;
      status.scaleDownAt = null;
      rec.outcome = Outcome.Promoted.name();
      rec.promotedAt = Times.format(now);
      rec.reason = note == null ? "every gate passed" : note;
      Instant created = Times.parse(rec.createdAt);
      metrics.promoted(release, created == null ? null : Duration.between(created, now));
      events.normal(release, "Promoted", String.format("revision %d (%s) is live on %s; previous color %s kept up for rollback",
          rec.revision, rec.version, color, Objects.toString(status.previousColor, "none")));
    }

    // ---- rollback --------------------------------------------------------------------------------------

    void handleRollbackAnnotation() {
      String token = annotations().get(Labels.ROLLBACK);
      if (token == null || token.equals(status.lastRollbackToken)) {
        return;
      }
      status.lastRollbackToken = token;
      Color active = Color.parse(status.activeColor);
      Color previous = Color.parse(status.previousColor);
      Deployment prev = previous == null ? null : deployments.get(previous);
      int ready = prev == null || prev.getStatus() == null || prev.getStatus().getReadyReplicas() == null ? 0 : prev.getStatus().getReadyReplicas();
      boolean replaced = prev != null && rolloutPending() && previous.label().equals(status.currentColor);
      if (active == null || previous == null || ready == 0 || replaced) {
        Color other = active == null ? null : active.other();
        String why = previous == null
            ? (other != null && deployments.containsKey(other)
                ? "the previous color " + other + " has no ready pods (scaled down after scaleDownDelaySeconds)"
                : "there is no previous color to roll back to")
            : replaced
                ? "the previous color " + previous + " now runs revision " + status.currentRevision + " under test"
                : "the previous color " + previous + " has no ready pods (scaled down after scaleDownDelaySeconds)";
        String msg = "rollback requested (" + token + ") but not possible: " + why
            + "; to roll back now, set spec.version and spec.template back to the previous release in git";
        events.warning(release, "RollbackUnavailable", msg);
        gate(ROLLBACK, false, "RollbackUnavailable", msg);
        return;
      }
      applyService(release.activeServiceName(), previous, "active");
      recordRollback(active, previous, "manual rollback (" + Labels.ROLLBACK + "=" + token + ")", "manual");
    }

    /**
     * During the HealthPolicy's post-promotion window, with the previous color still up: revert when the gate
     * closes, or when pods of the new color stop being ready behind the active Service.
     */
    void watchAfterPromotion() {
      if (release.getSpec().healthPolicyRef == null || status.previousColor == null || status.activeColor == null
          || !Objects.equals(status.activeRevision, status.currentRevision)) {
        return;
      }
      RevisionRecord live = record(status.activeRevision);
      if (live == null || !Outcome.Promoted.name().equals(live.outcome)) {
        return;
      }
      HealthGate.PostPromotion watch = healthGate.postPromotion(release, status, now);
      if (watch.windowEnd() == null || !now.isBefore(watch.windowEnd())) {
        return;
      }
      requeueAtMost(Duration.between(now, watch.windowEnd()));
      String reason = null;
      if (watch.revert()) {
        reason = watch.message();
      } else if (watch.revertOnFailure() && status.switchConvergedAt != null) {
        Color active = Color.parse(status.activeColor);
        Deployment d = deployments.get(active);
        int replicas = d == null || d.getSpec().getReplicas() == null ? 0 : d.getSpec().getReplicas();
        long ready = d == null ? 0 : ReleaseDecisions.readyEndpointsOf(slices.get(release.activeServiceName()), d.getMetadata().getName());
        if (ready < replicas) {
          reason = String.format("%d/%d pods of %s ready behind Service %s within the post-promotion window",
              ready, replicas, active, release.activeServiceName());
        }
      }
      if (reason == null) {
        return;
      }
      Color previous = Color.parse(status.previousColor);
      Deployment prev = deployments.get(previous);
      int prevReady = prev == null || prev.getStatus() == null || prev.getStatus().getReadyReplicas() == null ? 0 : prev.getStatus().getReadyReplicas();
      if (prevReady == 0) {
        String msg = "health gate closed (" + reason + ") but the previous color " + previous + " has no ready pods to revert to";
        if (!msg.equals(gateMessage(ROLLBACK))) {
          events.warning(release, "RevertImpossible", msg);
        }
        gate(ROLLBACK, false, "RevertImpossible", msg);
        return;
      }
      Color from = Color.parse(status.activeColor);
      applyService(release.activeServiceName(), previous, "active");
      recordRollback(from, previous, "automatic revert: " + reason, "health");
      gate(HEALTH, false, "Reverted", reason);
      if (watch.failureDetectedAt() != null) {
        metrics.reverted(release, Duration.between(watch.failureDetectedAt(), now));
      }
    }

    void recordRollback(Color from, Color to, String reason, String trigger) {
      RevisionRecord rejected = record(status.activeRevision);
      if (rejected != null) {
        rejected.outcome = Outcome.RolledBack.name();
        rejected.reason = reason;
      }
      Long fromRevision = status.activeRevision;
      status.activeColor = to.label();
      status.activeRevision = status.previousRevision;
      status.previousColor = from == null ? null : from.label();
      status.previousRevision = fromRevision;
      status.lastSwitchTime = Times.format(now);
      status.switchConvergedAt = null;
      status.scaleDownAt = null;
      gate(ROLLBACK, true, "RolledBack", "traffic back on " + to + ": " + reason);
      metrics.rolledBack(release, trigger);
      events.warning(release, "RolledBack", "traffic switched back to " + to + " (revision " + status.activeRevision + "): " + reason);
    }

    // ---- after the switch -------------------------------------------------------------------------------

    void afterSwitch() {
      if (status.lastSwitchTime == null || status.activeColor == null) {
        return;
      }
      if (status.switchConvergedAt == null) {
        Color active = Color.parse(status.activeColor);
        if (ReleaseDecisions.switchConverged(slices.get(release.activeServiceName()), release.deploymentName(active))) {
          status.switchConvergedAt = Times.format(now);
          Instant switched = Times.parse(status.lastSwitchTime);
          metrics.converged(release, Duration.between(switched, now));
          if (status.previousColor != null) {
            int delay = release.getSpec().strategyOrDefault().scaleDownDelay();
            Instant at = now.plusSeconds(delay);
            Instant window = release.getSpec().healthPolicyRef == null ? null : healthGate.postPromotion(release, status, now).windowEnd();
            if (window != null && window.isAfter(at)) {
              at = window;
            }
            status.scaleDownAt = Times.format(at);
            requeueAtMost(Duration.between(now, at));
            events.normal(release, "SwitchConverged", "only " + active + " serves behind " + release.activeServiceName()
                + "; " + status.previousColor + " scales down at " + status.scaleDownAt);
          }
        } else {
          requeueAtMost(Duration.ofSeconds(2));
        }
      } else if (status.previousColor != null && scaleDownDue()) {
        Color previous = Color.parse(status.previousColor);
        Deployment d = deployments.get(previous);
        if (d != null && d.getSpec() != null && Integer.valueOf(0).equals(d.getSpec().getReplicas())) {
          events.normal(release, "ScaledDown", previous + " scaled to zero after scaleDownDelaySeconds; rollback now needs a new revision");
          status.previousColor = null;
          status.previousRevision = null;
          status.scaleDownAt = null;
        } else {
          track(previous, OwnedObjects.scale(client, d, 0, writes));
          requeueAtMost(Duration.ofSeconds(1));
        }
      }
    }

    /** Fewer ready pods in the live color than it runs, once the switch has converged; null when whole. */
    String liveShortfall() {
      if (status.activeColor == null || status.switchConvergedAt == null || release.getSpec().isPaused()) {
        return null;
      }
      Color live = Color.parse(status.activeColor);
      Deployment d = deployments.get(live);
      if (d == null) {
        return "the Deployment " + release.deploymentName(live) + " of the live color is missing";
      }
      int want = d.getSpec() == null || d.getSpec().getReplicas() == null ? 0 : d.getSpec().getReplicas();
      int ready = d.getStatus() == null || d.getStatus().getReadyReplicas() == null ? 0 : d.getStatus().getReadyReplicas();
      return ready < want ? String.format("%d/%d pods of %s ready", ready, want, live) : null;
    }

    // ---- message ---------------------------------------------------------------------------------------

    void updateMessage(ResolvedConfig config) {
      RevisionRecord rec = currentRecord();
      if (!config.missing().isEmpty()) {
        status.message = gateMessage(REFERENCES);
      } else if (rec != null && Outcome.Failed.name().equals(rec.outcome)) {
        status.message = "revision " + rec.revision + " failed: " + rec.reason;
      } else if (rec != null && Outcome.RolledBack.name().equals(rec.outcome)) {
        status.message = "revision " + rec.revision + " rolled back: " + rec.reason;
      } else if (rolloutPending()) {
        status.message = "revision " + rec.revision + " on " + status.currentColor + ": " + gateConditions.values().stream()
            .filter(g -> !g.passed()).map(GateCondition::message).findFirst().orElse("all gates passed");
      } else if (status.activeColor != null) {
        status.message = "revision " + status.activeRevision + " (" + Optional.ofNullable(record(status.activeRevision)).map(r -> r.version).orElse("?")
            + ") live on " + status.activeColor;
      }
    }

    // ---- helpers ---------------------------------------------------------------------------------------

    void gate(String type, boolean passed, String reason, String message) {
      gateConditions.put(type, new GateCondition(type, passed, reason, message));
    }

    String gateMessage(String type) {
      GateCondition g = gateConditions.get(type);
      if (g != null) {
        return g.message();
      }
      return dev.turnout.common.Conditions.find(status.conditions, type).map(c -> c.getMessage()).orElse(null);
    }

    Map<String, String> annotations() {
      return release.getMetadata().getAnnotations() == null ? Map.of() : release.getMetadata().getAnnotations();
    }

    void requeueAtMost(Duration d) {
      Duration bounded = d.isNegative() || d.isZero() ? Duration.ofMillis(200) : d;
      if (requeue == null || bounded.compareTo(requeue) < 0) {
        requeue = bounded;
      }
    }

    @SuppressWarnings("unchecked")
    <R extends HasMetadata> void remember(Class<R> type, R written, R previous) {
      // prime the informer cache with our own write, so the next reconcile does not act on a stale copy
      try {
        var source = (InformerEventSource<R, AppRelease>) context.eventSourceRetriever().getEventSourceFor(type);
        ResourceID id = ResourceID.fromResource(release);
        if (previous == null) {
          source.handleRecentResourceCreate(id, written);
        } else {
          source.handleRecentResourceUpdate(id, written, previous);
        }
      } catch (RuntimeException e) {
        LOG.debugf("could not prime cache for %s: %s", type.getSimpleName(), e.getMessage());
      }
    }
  }

  static String annotation(HasMetadata o, String key) {
    return o.getMetadata().getAnnotations() == null ? null : o.getMetadata().getAnnotations().get(key);
  }

  static String sha(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)), 0, 8);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
