package dev.turnout.healthpolicy;

import dev.turnout.apprelease.AppRelease;
import dev.turnout.apprelease.AppReleaseStatus;
import dev.turnout.apprelease.Color;
import dev.turnout.apprelease.GateResult;
import dev.turnout.apprelease.HealthGate;
import dev.turnout.common.Times;
import dev.turnout.healthpolicy.probe.ProbeScheduler;
import dev.turnout.healthpolicy.probe.ProbeSnapshot;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The HealthPolicy gates of AppReleases: probes the preview Service of the color under test before the switch and
 * the active Service during the post-promotion window, on the {@link ProbeScheduler}. Never blocks a reconcile: it
 * registers probes (idempotent, {@link GateProbes}) and reads their last snapshot; a gate change triggers a reconcile
 * of the release and of the policy (whose status lists the results).
 *
 * <p>Probe keys: {@code <namespace>/<release>/pre} and {@code <namespace>/<release>/post}; a key's state starts over
 * when its subject changes (new revision or color before the switch, a new switch after it). Keys no reconcile asked
 * about for {@link GateProbes#IDLE} (release deleted, reverted, window over, policy ref removed) are dropped.
 */
@ApplicationScoped
public class PolicyHealthGate implements HealthGate {
  static final String PRE = "pre";
  static final String POST = "post";

  @Inject GateProbes probes;
  @Inject HealthProbing probing;
  @Inject ReadinessGates readinessGates;

  // ---- HealthGate ----------------------------------------------------------------------------------------

  @Override
  public GateResult prePromotion(AppRelease release, AppReleaseStatus status, Color color, Instant now) {
    String ns = release.getMetadata().getNamespace();
    String name = release.getMetadata().getName();
    String ref = release.getSpec().healthPolicyRef.name;
    String key = key(ns, name, PRE);
    HealthPolicy policy = probing.policy(ns, ref);
    if (policy == null) {
      drop(key);
      return GateResult.waiting("HealthPolicyNotFound", "waiting for HealthPolicy " + ref + ": it does not exist in namespace "
          + ns + "; the release is not promoted without the checks it names");
    }
    List<String> problems = HealthPolicyReconciler.HealthPolicyValidation.problems(policy.getSpec());
    if (!problems.isEmpty()) {
      drop(key);
      return GateResult.waiting("HealthPolicyInvalid", "waiting for HealthPolicy " + ref + ": it is invalid: " + String.join("; ", problems));
    }
    HealthPolicySpec spec = policy.getSpec();
    if (spec.prePromotion != null && Boolean.FALSE.equals(spec.prePromotion.enabled)) {
      drop(key);
      return GateResult.passed("PrePromotionDisabled", "HealthPolicy " + ref + ": pre-promotion checks are disabled (prePromotion.enabled=false)");
    }
    // a new rollout: the previous post-promotion watch is over
    drop(key(ns, name, POST));
    String service = release.previewServiceName();
    GateProbes.Use use = new GateProbes.Use(key, ns, name, ref, PRE, service, color.label(), color.label() + "/" + status.currentRevision);
    ProbeSnapshot snap = probes.register(use, spec, release.deploymentName(color));
    String where = "Service " + service + " (" + color + ")";
    boolean dryRun = Boolean.TRUE.equals(spec.dryRun);
    GateState gate = snap.gate();
    if (gate.isOpen()) {
      // the count stops at the threshold: a gate that stays open while a release waits (manual promotion) is no change
      return GateResult.passed(PASSED, "HealthPolicy " + ref + ": "
          + PolicyResults.capped(gate.consecutiveSuccesses(), gate.successThreshold())
          + " consecutive passing round(s) on " + where + (dryRun ? " (dry run)" : ""));
    }
    String detail;
    if (snap.lastRoundTime() == null) {
      detail = "waiting for the first round of checks on " + where;
    } else if (gate.isClosed()) {
      detail = "checks failing on " + where + ": " + failures(snap);
    } else if (gate.consecutiveFailures() > 0) {
      detail = gate.consecutiveFailures() + "/" + gate.failureThreshold() + " failing round(s) on " + where + ": " + failures(snap);
    } else {
      detail = gate.consecutiveSuccesses() + "/" + gate.successThreshold() + " passing round(s) on " + where;
    }
    if (dryRun) {
      return GateResult.passed("DryRun", "dry run, not blocking: HealthPolicy " + ref + " would wait: " + detail);
    }
    return GateResult.waiting(gate.isClosed() ? "HealthChecksFailing" : "HealthChecksPending", "HealthPolicy " + ref + ": " + detail);
  }

  @Override
  public PostPromotion postPromotion(AppRelease release, AppReleaseStatus status, Instant now) {
    String ns = release.getMetadata().getNamespace();
    String name = release.getMetadata().getName();
    String ref = release.getSpec().healthPolicyRef.name;
    String key = key(ns, name, POST);
    drop(key(ns, name, PRE));
    HealthPolicy policy = probing.policy(ns, ref);
    // the window starts when only the new color serves behind the active Service (issue 10 item 8): probing earlier
    // would judge the old color's pods, or a mix, as the new release
    Instant switched = Times.parse(status.switchConvergedAt);
    Color active = Color.parse(status.activeColor);
    if (policy == null || !HealthPolicyReconciler.HealthPolicyValidation.problems(policy.getSpec()).isEmpty()
        || switched == null || active == null) {
      drop(key);
      return PostPromotion.NONE;
    }
    HealthPolicySpec spec = policy.getSpec();
    HealthPolicySpec.PostPromotionSpec post = spec.postPromotion;
    int window = post == null || post.windowSeconds == null ? 0 : post.windowSeconds;
    if (window <= 0) {
      drop(key);
      return PostPromotion.NONE;
    }
    boolean dryRun = Boolean.TRUE.equals(spec.dryRun);
    boolean revertOnFailure = !dryRun && !Boolean.FALSE.equals(post.revertOnFailure);
    Instant windowEnd = switched.plusSeconds(window);
    if (!now.isBefore(windowEnd)) {
      drop(key);
      return new PostPromotion(windowEnd, revertOnFailure, false, "post-promotion window of HealthPolicy " + ref + " ended", null);
    }
    String service = release.activeServiceName();
    GateProbes.Use use = new GateProbes.Use(key, ns, name, ref, POST, service, active.label(),
        active.label() + "/" + status.activeRevision + "/" + status.lastSwitchTime);
    ProbeSnapshot snap = probes.register(use, spec, release.deploymentName(active));
    GateState gate = snap.gate();
    String where = "Service " + service + " (" + active + ")";
    if (!gate.isClosed()) {
      return new PostPromotion(windowEnd, revertOnFailure, false, "HealthPolicy " + ref + ": gate " + gate.gate() + " on " + where, null);
    }
    String msg = "HealthPolicy " + ref + ": checks failed " + gate.consecutiveFailures() + " round(s) in a row on " + where
        + " after the switch: " + failures(snap);
    if (dryRun) {
      return new PostPromotion(windowEnd, false, false, "dry run, not reverting: " + msg, null);
    }
    return new PostPromotion(windowEnd, revertOnFailure, revertOnFailure, msg, gate.failureThresholdReachedAt().orElse(null));
  }

  @Override
  public void forget(AppRelease release) {
    String ns = release.getMetadata().getNamespace();
    String name = release.getMetadata().getName();
    drop(key(ns, name, PRE));
    drop(key(ns, name, POST));
    readinessGates.forget(ns, name);
  }

  @Override
  public List<EventSource<?, AppRelease>> eventSources(EventSourceContext<AppRelease> context) {
    InformerEventSource<HealthPolicy, AppRelease> policies = new InformerEventSource<>(
        InformerEventSourceConfiguration.from(HealthPolicy.class, AppRelease.class)
            .withName("healthpolicy-of-release")
            .withSecondaryToPrimaryMapper(hp -> context.getPrimaryCache().list(hp.getMetadata().getNamespace())
                .filter(ar -> ar.getSpec() != null && ar.getSpec().healthPolicyRef != null
                    && hp.getMetadata().getName().equals(ar.getSpec().healthPolicyRef.name))
                .map(ResourceID::fromResource)
                .collect(Collectors.toSet()))
            .build(),
        context);
    readinessGates.releases(context.getPrimaryCache());
    return List.of(probing.releaseTrigger, policies);
  }

  /**
   * The readiness gate's condition type, for every pod of the release (both colors, any revision; see
   * {@link ReadinessGates}); {@code status} is not needed: the gate covers pods, not a color.
   */
  @Override
  public String readinessGateCondition(AppRelease release, AppReleaseStatus status) {
    return readinessGates.ensure(release);
  }

  @Override
  public boolean policyMissing(AppRelease release) {
    return release.getSpec().healthPolicyRef != null
        && probing.policy(release.getMetadata().getNamespace(), release.getSpec().healthPolicyRef.name) == null;
  }

  // ---- internals -----------------------------------------------------------------------------------------

  static String key(String ns, String release, String phase) {
    return ns + "/" + release + "/" + phase;
  }

  private void drop(String key) {
    probes.drop(key);
  }

  static String failures(ProbeSnapshot snap) {
    String s = snap.lastResults().stream()
        .filter(r -> !r.passed())
        .map(r -> r.name() + ": " + r.message())
        .collect(Collectors.joining("; "));
    if (s.isEmpty()) {
      s = "no check ran";
    }
    return s.length() > 600 ? s.substring(0, 597) + "..." : s;
  }
}
