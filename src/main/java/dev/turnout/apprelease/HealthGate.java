package dev.turnout.apprelease;

import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import java.time.Instant;
import java.util.List;

/** spec.healthPolicyRef: deep checks against the preview Service before, and the active Service after, the switch. */
public interface HealthGate {
  /** The gate's reason when the checks pass (dry runs and disabled pre-promotion checks pass with their own). */
  String PASSED = "HealthChecksPassed";

  /** The HealthPolicy's pre-promotion gate for the color under test. Called only when healthPolicyRef is set. */
  GateResult prePromotion(AppRelease release, AppReleaseStatus status, Color color, Instant now);

  /** What the post-promotion watch says now; called after a switch while the previous color is still up. */
  PostPromotion postPromotion(AppRelease release, AppReleaseStatus status, Instant now);

  /** Stops probing for a release (deleted, or no longer referencing a policy). */
  void forget(AppRelease release);

  /**
   * Event sources the AppRelease controller registers for this gate: e.g. a reconcile when a gate changes, or when a
   * referenced HealthPolicy changes.
   */
  default List<EventSource<?, AppRelease>> eventSources(EventSourceContext<AppRelease> context) {
    return List.of();
  }

  /**
   * The pod condition type of the release's HealthPolicy readiness gate (added to the pod template as a
   * readinessGate), or null for none; the gate also starts setting that condition on the pods of status.currentColor.
   * Called on every reconcile when healthPolicyRef is set.
   */
  default String readinessGateCondition(AppRelease release, AppReleaseStatus status) {
    return null;
  }

  /** Whether the HealthPolicy the release names does not exist (deleted, or not created yet). */
  default boolean policyMissing(AppRelease release) {
    return false;
  }

  /**
   * @param windowEnd end of the watch window (the previous color is not scaled down before), or null if none
   * @param revert the gate closed within the window and the policy says to revert (never in dryRun)
   * @param failureDetectedAt when the failure threshold was reached, for the revert-latency metric
   */
  record PostPromotion(Instant windowEnd, boolean revertOnFailure, boolean revert, String message, Instant failureDetectedAt) {
    public static final PostPromotion NONE = new PostPromotion(null, false, false, null, null);
  }
}
