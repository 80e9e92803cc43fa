package dev.turnout.healthpolicy;

import dev.turnout.apprelease.Color;
import dev.turnout.apprelease.ReleasePods;
import dev.turnout.common.Times;
import dev.turnout.healthpolicy.probe.CheckResult;
import dev.turnout.healthpolicy.probe.ProbeScheduler;
import dev.turnout.healthpolicy.probe.ProbeSnapshot;
import dev.turnout.healthpolicy.probe.RoundResult;
import dev.turnout.healthpolicy.probe.Target;
import dev.turnout.healthpolicy.probe.Targets;
import io.fabric8.kubernetes.api.model.Service;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The probe keys of the HealthPolicy gates ({@link PolicyHealthGate}), registered on the {@link ProbeScheduler}: what
 * each key is about, its target (the pods of one color behind a Service), and its results for the HealthPolicy's
 * status. A key's state starts over when its subject changes; keys no reconcile asked about for {@link #IDLE} (release
 * deleted, reverted, window over, policy ref removed) are dropped.
 */
@ApplicationScoped
public class GateProbes {
  static final Duration IDLE = Duration.ofSeconds(90);

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

  /**
   * Registers (idempotent) the probes of a key, or starts them over when its subject changed, and returns their last
   * snapshot. A gate change triggers a reconcile of the release and of the policy.
   */
  ProbeSnapshot register(Use use, HealthPolicySpec spec, String deploymentName) {
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

  /** Stops the probes of a key (no-op when it has none). */
  void drop(String key) {
    Use use = uses.remove(key);
    if (use != null) {
      scheduler.unregister(key);
      metrics.removeGate(key);
      // the policy's status lists the keys in use: say at once that this one is over, not at its next periodic look
      probing.policyTrigger.fire(use.namespace(), use.policy());
    }
    touched.remove(key);
  }

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
}
