package dev.turnout.apprelease;

import dev.turnout.common.Conditions;
import dev.turnout.common.EventRecorder;
import dev.turnout.common.Times;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.time.Duration;
import java.time.Instant;

/**
 * After a switch: notes when it has converged (only the new color's pods behind the active Service, status
 * switchConvergedAt, Event SwitchConverged), then keeps the previous color up for scaleDownDelaySeconds, and at least
 * until the HealthPolicy's post-promotion window ends, before it is scaled to zero (Event ScaledDown).
 */
final class ScaleDownScheduler {
  private ScaleDownScheduler() {}

  /** Whether the previous color's time to be kept up for rollback is over. */
  static boolean due(ReleaseRun run) {
    Instant at = Times.parse(run.status.scaleDownAt);
    if (run.status.switchConvergedAt == null || at == null) {
      return false;
    }
    if (run.now.isBefore(at)) {
      run.requeueAtMost(at);
      return false;
    }
    return true;
  }

  /**
   * scaleDownDelaySeconds=0 is allowed (some teams want the capacity back at once) but means no instant rollback: the
   * release says so in RollbackAvailable (False, NoRollbackWindow) rather than let a person find out when they need it.
   */
  private static void rollbackWindow(ReleaseRun run, boolean keptForHealthWindow) {
    AppReleaseStatus status = run.status;
    if (run.spec().strategyOrDefault().scaleDownDelay() == 0) {
      run.gate(AppReleaseStatusAggregator.ROLLBACK, false, "NoRollbackWindow", "strategy.scaleDownDelaySeconds=0: the"
          + " previous color " + status.previousColor + " is scaled down as soon as the switch has converged"
          + (keptForHealthWindow ? " and the HealthPolicy's post-promotion window has ended (" + status.scaleDownAt + ")" : "")
          + ", so there is no instant rollback; to go back, set spec.version and spec.template to the previous release");
    } else if (Conditions.find(status.conditions, AppReleaseStatusAggregator.ROLLBACK)
        .filter(c -> "NoRollbackWindow".equals(c.getReason())).isPresent()) {
      // the delay is no longer 0: the condition of an earlier switch no longer holds
      run.gate(AppReleaseStatusAggregator.ROLLBACK, true, "PreviousColorKeptUp", status.previousColor + " is kept up until "
          + status.scaleDownAt + " for an instant rollback (strategy.scaleDownDelaySeconds)");
    }
  }

  static void afterSwitch(ReleaseRun run, OwnedWrites writes, EventRecorder events, ReleaseMetrics metrics, HealthGate healthGate) {
    AppReleaseStatus status = run.status;
    if (status.lastSwitchTime == null || status.activeColor == null) {
      return;
    }
    Color active = Color.parse(status.activeColor);
    if (status.switchConvergedAt == null) {
      if (!ReleaseDecisions.switchConverged(run.snapshot.slices(run.release.activeServiceName()), run.snapshot.pods, active)) {
        run.requeueAtMost(Duration.ofSeconds(2));
        return;
      }
      status.switchConvergedAt = Times.format(run.now);
      metrics.converged(run.release, Duration.between(Times.parse(status.lastSwitchTime), run.now));
      if (status.previousColor != null) {
        Instant at = run.now.plusSeconds(run.spec().strategyOrDefault().scaleDownDelay());
        Instant window = run.spec().healthPolicyRef == null ? null : healthGate.postPromotion(run.release, status, run.now).windowEnd();
        if (window != null && window.isAfter(at)) {
          at = window;
        }
        status.scaleDownAt = Times.format(at);
        run.requeueAtMost(at);
        rollbackWindow(run, window != null && window.equals(at));
        events.normal(run.release, "SwitchConverged", "only " + active + " serves behind " + run.release.activeServiceName()
            + "; " + status.previousColor + " scales down at " + status.scaleDownAt);
      }
    } else if (status.previousColor != null && due(run)) {
      Color previous = Color.parse(status.previousColor);
      Deployment d = run.snapshot.deployment(previous);
      if (d == null || d.getSpec() == null || Integer.valueOf(0).equals(d.getSpec().getReplicas())) {
        events.normal(run.release, "ScaledDown", previous + " scaled to zero after scaleDownDelaySeconds; rollback now needs a new revision");
        status.previousColor = null;
        status.previousRevision = null;
        status.scaleDownAt = null;
      } else {
        writes.scale(d, 0);
        run.requeueAtMost(Duration.ofSeconds(1));
      }
    }
  }
}
