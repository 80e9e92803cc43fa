package dev.turnout.apprelease;

import dev.turnout.apprelease.AppReleaseStatusAggregator.Outcome;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * After a switch, while the HealthPolicy's post-promotion window lasts (it starts when the switch has converged) and
 * the previous color is still up: decides whether traffic must go back. Two signals: the policy's gate closed
 * (failureThreshold failing rounds on the active Service), or a pod of the new color that was ready behind the active
 * Service turned unready (and is not terminating). A count of ready pods below spec.replicas is not a signal: a replica
 * bump, an HPA scale-up or a rollout restart make it so while the release is healthy.
 *
 * <p>The pods seen ready are kept in memory per switch; after a restart the watch starts again from the pods ready
 * then, so it can miss a pod that turned unready while the operator was down, never revert a healthy release.
 */
final class PostPromotionWatch {
  /** A decision to revert: why, and when the failure threshold was reached (for the revert-latency metric). */
  record Revert(String reason, Instant failureDetectedAt) {}

  private final Map<String, Set<String>> seenReady = new ConcurrentHashMap<>();

  Revert check(ReleaseRun run, HealthGate healthGate) {
    AppReleaseStatus status = run.status;
    String key = run.namespace() + "/" + run.release.getMetadata().getName();
    if (run.spec().healthPolicyRef == null || status.previousColor == null || status.activeColor == null
        || !Objects.equals(status.activeRevision, status.currentRevision)) {
      seenReady.remove(key);
      return null;
    }
    RevisionRecord live = run.record(status.activeRevision);
    if (live == null || !Outcome.Promoted.name().equals(live.outcome)) {
      seenReady.remove(key);
      return null;
    }
    HealthGate.PostPromotion watch = healthGate.postPromotion(run.release, status, run.now);
    if (watch.windowEnd() == null || !run.now.isBefore(watch.windowEnd())) {
      seenReady.remove(key);
      return null;
    }
    run.requeueAtMost(watch.windowEnd());
    if (watch.revert()) {
      return new Revert(watch.message(), watch.failureDetectedAt());
    }
    if (!watch.revertOnFailure() || status.switchConvergedAt == null) {
      return null;
    }
    Color active = Color.parse(status.activeColor);
    Set<String> seen = seenReady.compute(key + "@" + status.lastSwitchTime, (k, v) -> v == null ? ConcurrentHashMap.newKeySet() : v);
    seenReady.keySet().removeIf(k -> k.startsWith(key + "@") && !k.equals(key + "@" + status.lastSwitchTime));
    List<String> turnedUnready = turnedUnready(run.snapshot.slices(run.release.activeServiceName()), run.snapshot.pods, active, seen);
    if (turnedUnready.isEmpty()) {
      return null;
    }
    return new Revert(String.format("pod(s) %s of %s turned unready behind Service %s within the post-promotion window",
        String.join(", ", turnedUnready), active, run.release.activeServiceName()), run.now);
  }

  /**
   * Records the pods of {@code color} (by their labels) that are ready in {@code seen}, and returns those seen ready before that are now
   * neither ready nor terminating. Pure apart from {@code seen}.
   */
  static List<String> turnedUnready(List<EndpointSlice> slices, Map<String, ReleasePods.PodLabels> pods, Color color, Set<String> seen) {
    List<String> unready = new ArrayList<>();
    for (EndpointSlice slice : slices) {
      for (Endpoint e : slice.getEndpoints() == null ? List.<Endpoint>of() : slice.getEndpoints()) {
        if (!ReleaseDecisions.belongsTo(e, pods, color)) {
          continue;
        }
        String pod = e.getTargetRef().getName();
        boolean terminating = e.getConditions() != null && Boolean.TRUE.equals(e.getConditions().getTerminating());
        if (ReleaseDecisions.isReady(e)) {
          seen.add(pod);
        } else if (!terminating && seen.contains(pod)) {
          unready.add(pod);
        }
      }
    }
    return unready;
  }
}
