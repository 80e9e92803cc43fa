package dev.turnout.apprelease;

import static dev.turnout.apprelease.AppReleaseStatusAggregator.HEALTH;
import static dev.turnout.apprelease.AppReleaseStatusAggregator.ROLLBACK;

import dev.turnout.common.EventRecorder;
import dev.turnout.common.Labels;
import dev.turnout.common.Times;
import java.time.Duration;
import java.time.Instant;

/**
 * Moving traffic back to the previous color: on a new {@code turnout.dev/rollback} token, or when the post-promotion
 * watch says so. Traffic only ever moves onto a color that is fully available (every replica updated, ready and
 * available); until then the release says so (RollbackAvailable=False, RollbackTargetNotReady) and waits, a manual
 * rollback at most strategy.progressDeadlineSeconds.
 */
final class Rollbacks {
  private final ReleaseRun run;
  private final TrafficSwitcher traffic;
  private final EventRecorder events;
  private final ReleaseMetrics metrics;

  Rollbacks(ReleaseRun run, TrafficSwitcher traffic, EventRecorder events, ReleaseMetrics metrics) {
    this.run = run;
    this.traffic = traffic;
    this.events = events;
    this.metrics = metrics;
  }

  /** Acts on a rollback token not acted on yet (status and the active Service both say which ones were). */
  void onToken() {
    AppReleaseStatus status = run.status;
    String token = run.annotation(Labels.ROLLBACK);
    TrafficSwitcher.Serving serving = traffic.serving();
    if (token == null || token.equals(status.lastRollbackToken) || (serving != null && token.equals(serving.rollbackToken()))) {
      status.rollbackPendingSince = null;
      return;
    }
    String impossible = impossible();
    if (impossible != null) {
      refuse(token, impossible);
      return;
    }
    Color previous = Color.parse(status.previousColor);
    if (!targetReady(previous)) {
      Instant since = Times.parse(status.rollbackPendingSince);
      if (since == null) {
        status.rollbackPendingSince = Times.format(run.now);
        events.normal(run.release, "RollbackWaiting", "rollback requested (" + token + "): waiting for " + previous
            + " to have all its replicas ready before moving traffic");
        since = run.now;
      }
      int deadline = run.spec().strategyOrDefault().progressDeadline();
      if (!run.now.isBefore(since.plusSeconds(deadline))) {
        status.rollbackPendingSince = null;
        refuse(token, "the previous color " + previous + " did not have all its replicas ready within progressDeadlineSeconds="
            + deadline + " (" + progress(previous) + ")");
        return;
      }
      run.gate(ROLLBACK, false, "RollbackTargetNotReady", "rollback requested (" + token + "): waiting for " + previous + ": "
          + progress(previous));
      run.requeueAtMost(Duration.ofSeconds(2));
      return;
    }
    traffic.rollBack(Color.parse(status.activeColor), previous, "manual rollback (" + Labels.ROLLBACK + "=" + token + ")",
        "manual", token);
  }

  /** Reverts after the switch; false when the previous color cannot take traffic now (the release says why). */
  boolean revert(PostPromotionWatch.Revert revert) {
    AppReleaseStatus status = run.status;
    Color previous = Color.parse(status.previousColor);
    if (!targetReady(previous)) {
      String msg = "health gate closed (" + revert.reason() + ") but the previous color " + previous
          + " does not have all its replicas ready (" + progress(previous) + "); traffic stays until it has";
      if (!msg.equals(run.gateMessage(ROLLBACK))) {
        events.warning(run.release, "RollbackWaiting", msg);
      }
      run.gate(ROLLBACK, false, "RollbackTargetNotReady", msg);
      run.requeueAtMost(Duration.ofSeconds(2));
      return false;
    }
    traffic.rollBack(Color.parse(status.activeColor), previous, "automatic revert: " + revert.reason(), "health", null);
    reverted(run, revert.reason());
    if (revert.failureDetectedAt() != null) {
      metrics.reverted(run.release, Duration.between(revert.failureDetectedAt(), run.now));
    }
    return true;
  }

  /**
   * The health gate as an automatic revert leaves it, whether the revert is decided now or recorded from the active
   * Service after its status write was lost ({@link TrafficSwitcher#recover}): one wording for both.
   */
  static void reverted(ReleaseRun run, String why) {
    run.gate(HEALTH, false, "Reverted", why);
  }

  private String impossible() {
    AppReleaseStatus status = run.status;
    Color active = Color.parse(status.activeColor);
    Color previous = Color.parse(status.previousColor);
    if (active == null || previous == null) {
      Color other = active == null ? null : active.other();
      return other != null && run.snapshot.deployment(other) != null
          ? "the previous color " + other + " was scaled down after scaleDownDelaySeconds"
          : "there is no previous color to roll back to";
    }
    if (run.rolloutPending() && previous.label().equals(status.currentColor)) {
      return "the previous color " + previous + " now runs revision " + status.currentRevision + " under test";
    }
    return null;
  }

  private void refuse(String token, String why) {
    String msg = "rollback requested (" + token + ") but not possible: " + why
        + "; to roll back now, set spec.version and spec.template back to the previous release in git";
    run.status.lastRollbackToken = token;
    events.warning(run.release, "RollbackUnavailable", msg);
    run.gate(ROLLBACK, false, "RollbackUnavailable", msg);
  }

  private boolean targetReady(Color color) {
    return RevisionPlanner.fullyAvailable(run.snapshot.deployment(color), run.spec().replicasOrDefault());
  }

  private String progress(Color color) {
    return ReleaseDecisions.rolloutProgress(run.snapshot.deployment(color), run.spec().replicasOrDefault());
  }
}
