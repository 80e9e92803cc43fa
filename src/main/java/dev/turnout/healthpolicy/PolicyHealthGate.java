package dev.turnout.healthpolicy;

import dev.turnout.apprelease.AppRelease;
import dev.turnout.apprelease.AppReleaseStatus;
import dev.turnout.apprelease.Color;
import dev.turnout.apprelease.GateResult;
import dev.turnout.apprelease.HealthGate;
import dev.turnout.apprelease.ReleasePods;
import dev.turnout.common.Times;
import dev.turnout.healthpolicy.probe.CheckResult;
import dev.turnout.healthpolicy.probe.ProbeScheduler;
import dev.turnout.healthpolicy.probe.ProbeSnapshot;
import dev.turnout.healthpolicy.probe.RoundResult;
import dev.turnout.healthpolicy.probe.Target;
import dev.turnout.healthpolicy.probe.Targets;
import io.fabric8.kubernetes.api.model.Service;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The HealthPolicy gates of AppReleases: probes the preview Service of the color under test before the switch and
 * the active Service during the post-promotion window, on the {@link ProbeScheduler}. Never blocks a reconcile: it
 * registers probes (idempotent) and reads their last snapshot; a gate change triggers a reconcile of the release and
 * of the policy (whose status lists the results).
 *
 * <p>Probe keys: {@code <namespace>/<release>/pre} and {@code <namespace>/<release>/post}; a key's state starts over
 * when its subject changes (new revision or color before the switch, a new switch after it). Keys no reconcile asked
 * about for {@link #IDLE} (release deleted, reverted, window over, policy ref removed) are dropped.
 */
@ApplicationScoped
public class PolicyHealthGate implements HealthGate {
  static final Duration IDLE = Duration.ofSeconds(90);
  static final String PRE = "pre";
  static final String POST = "post";

  @Inject ProbeScheduler scheduler;
  @Inject HealthProbing probing;
  @Inject HealthMetrics metrics;
  @Inject Vertx vertx;
  @Inject ReadinessGates readinessGates;
  @Inject ReleasePods releasePods;

  /** What a probe key is about. */
  record Use(String key, String namespace, String release, String policy, String phase, String service, String color,
      String subject) {}

  private final ConcurrentHashMap<String, Use> uses = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Long> touched = new ConcurrentHashMap<>();

  void onStart(@Observes StartupEvent e) {
    scheduler.onRound(this::roundDone);
    vertx.setPeriodic(10_000, id -> sweep());
  }

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
    Use use = new Use(key, ns, name, ref, PRE, service, color.label(), color.label() + "/" + status.currentRevision);
    ProbeSnapshot snap = register(use, spec, release.deploymentName(color));
    String where = "Service " + service + " (" + color + ")";
    boolean dryRun = Boolean.TRUE.equals(spec.dryRun);
    GateState gate = snap.gate();
    if (gate.isOpen()) {
      // the count stops at the threshold: a gate that stays open while a release waits (manual promotion) is no change
      return GateResult.passed("HealthChecksPassed", "HealthPolicy " + ref + ": "
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
    Use use = new Use(key, ns, name, ref, POST, service, active.label(),
        active.label() + "/" + status.activeRevision + "/" + status.lastSwitchTime);
    ProbeSnapshot snap = register(use, spec, release.deploymentName(active));
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

  // ---- for the HealthPolicy reconciler -------------------------------------------------------------------

  /**
   * The probe keys of releases that use {@code namespace/policy}, with their last snapshots; consecutive counts capped at
   * the gate's thresholds (see {@link PolicyResults}).
   */
  List<HealthPolicyStatus.ReleaseResults> results(String namespace, String policy) {
    List<HealthPolicyStatus.ReleaseResults> out = new ArrayList<>();
    uses.values().stream()
        .filter(u -> u.namespace().equals(namespace) && u.policy().equals(policy))
        .sorted(Comparator.comparing(Use::release).thenComparing(Use::phase, Comparator.reverseOrder()))
        .forEach(u -> scheduler.snapshot(u.key()).ifPresent(snap -> {
          HealthPolicyStatus.ReleaseResults r = new HealthPolicyStatus.ReleaseResults();
          r.release = u.release();
          r.service = u.service();
          r.gate = snap.gate().gate().toString();
          for (CheckResult c : snap.lastResults()) {
            HealthPolicyStatus.CheckResult s = new HealthPolicyStatus.CheckResult();
            s.name = c.name();
            s.passed = c.passed();
            s.message = c.message();
            s.latencyMillis = c.latencyMillis();
            s.time = Times.format(c.time());
            GateState.Counts counts = snap.gate().check(c.name());
            s.consecutiveSuccesses = PolicyResults.capped(counts.consecutiveSuccesses(), snap.gate().successThreshold());
            s.consecutiveFailures = PolicyResults.capped(counts.consecutiveFailures(), snap.gate().failureThreshold());
            r.checks.add(s);
          }
          out.add(r);
        }));
    return out;
  }

  boolean inUse(String namespace, String policy) {
    return uses.values().stream().anyMatch(u -> u.namespace().equals(namespace) && u.policy().equals(policy));
  }

  // ---- internals -----------------------------------------------------------------------------------------

  static String key(String ns, String release, String phase) {
    return ns + "/" + release + "/" + phase;
  }

  private ProbeSnapshot register(Use use, HealthPolicySpec spec, String deploymentName) {
    Use old = uses.get(use.key());
    if (old != null && !old.subject().equals(use.subject())) {
      scheduler.unregister(use.key()); // a new subject starts from Unknown
    }
    uses.put(use.key(), use);
    touched.put(use.key(), System.nanoTime());
    scheduler.register(use.key(), spec, target(use, deploymentName), (key, previous, current) -> {
      probing.releaseTrigger.fire(use.namespace(), use.release());
      probing.policyTrigger.fire(use.namespace(), use.policy());
    });
    metrics.gate(use.key(), use.namespace(), use.release(), use.phase(), () -> scheduler.snapshot(use.key())
        .map(s -> s.gate().isOpen() ? 1.0 : s.gate().isClosed() ? 0.0 : -1.0).orElse(-1.0));
    return scheduler.snapshot(use.key()).orElseThrow();
  }

  /** Runs on the event loop: reads the informer caches only. */
  private Supplier<Target> target(Use use, String deploymentName) {
    Color color = Color.parse(use.color());
    return () -> {
      Service s = probing.service(use.namespace(), use.service());
      if (s == null) {
        return null;
      }
      Target t = Targets.of(s, probing.slices(use.namespace(), use.service()), use.color());
      // only pods of the color under test (the Service's slices may still list the other color for a moment), by their
      // labels: pod names are cut to 58 characters before their random suffix, so a prefix cannot tell the colors apart
      List<Target.Endpoint> mine = t.endpoints().stream()
          .filter(e -> e.podName() == null || isOf(use, e.podName(), color))
          .toList();
      return new Target(t.namespace(), t.service(), t.color(), t.servicePorts(), mine);
    };
  }

  /** Whether the cached labels of a pod say it is of this release and color (a pod not cached yet is not probed). */
  private boolean isOf(Use use, String pod, Color color) {
    ReleasePods.PodLabels labels = releasePods.pod(use.namespace(), pod);
    return labels != null && use.release().equals(labels.release()) && labels.color() == color;
  }

  private void drop(String key) {
    Use use = uses.remove(key);
    if (use != null) {
      scheduler.unregister(key);
      metrics.removeGate(key);
      // the policy's status lists the keys in use: say at once that this one is over, not at its next periodic look
      probing.policyTrigger.fire(use.namespace(), use.policy());
    }
    touched.remove(key);
  }

  private void roundDone(String key, RoundResult round) {
    if (ReadinessGates.isKey(key)) {
      readinessGates.roundDone(key, round);
      return;
    }
    Use use = uses.get(key);
    if (use == null) {
      return;
    }
    for (CheckResult r : round.results()) {
      metrics.checkResult(use.namespace(), use.policy(), r);
    }
  }

  /** Drops keys that no reconcile asked about for a while. */
  void sweep() {
    long now = System.nanoTime();
    Set<String> stale = touched.entrySet().stream()
        .filter(e -> now - e.getValue() > IDLE.toNanos())
        .map(java.util.Map.Entry::getKey)
        .collect(Collectors.toSet());
    stale.forEach(this::drop);
    readinessGates.discoverSoon();
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
