package dev.turnout.apprelease;

import java.time.Instant;

/** spec.healthPolicyRef: deep checks against the preview Service before, and the active Service after, the switch. */
public interface HealthGate {
  /** The HealthPolicy's pre-promotion gate for the color under test. Called only when healthPolicyRef is set. */
  GateResult prePromotion(AppRelease release, AppReleaseStatus status, Color color, Instant now);

  /** What the post-promotion watch says now; called after a switch while the previous color is still up. */
  PostPromotion postPromotion(AppRelease release, AppReleaseStatus status, Instant now);

  /** Stops probing for a release (deleted, or no longer referencing a policy). */
  void forget(AppRelease release);

  /**
   * @param windowEnd end of the watch window (the previous color is not scaled down before), or null if none
   * @param revert the gate closed within the window and the policy says to revert (never in dryRun)
   * @param failureDetectedAt when the failure threshold was reached, for the revert-latency metric
   */
  record PostPromotion(Instant windowEnd, boolean revertOnFailure, boolean revert, String message, Instant failureDetectedAt) {
    public static final PostPromotion NONE = new PostPromotion(null, false, false, null, null);
  }
}
