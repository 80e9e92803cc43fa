package dev.turnout.apprelease;

import static dev.turnout.apprelease.AppReleaseStatusAggregator.BACKUP;
import static dev.turnout.apprelease.AppReleaseStatusAggregator.HEALTH;
import static dev.turnout.apprelease.AppReleaseStatusAggregator.HOOKS;
import static dev.turnout.apprelease.AppReleaseStatusAggregator.PROMOTION;
import static dev.turnout.apprelease.AppReleaseStatusAggregator.ROLLOUT;

import dev.turnout.apprelease.AppReleaseStatusAggregator.GateCondition;
import dev.turnout.apprelease.AppReleaseStatusAggregator.Phase;
import dev.turnout.common.EventRecorder;
import dev.turnout.common.Labels;
import dev.turnout.common.Times;
import java.time.Instant;

/**
 * The gates between a revision on the idle color and its switch, in order: RolloutComplete, HooksSucceeded,
 * BackupVerified, HealthChecksPassing; then the promotion itself (promotionDelaySeconds, autoPromote or a promote
 * token, and never automatically onto pods that were already rolled back). Each gate is a condition of the release.
 */
final class PromotionGates {
  /** What to do with the revision under test. */
  sealed interface Decision {}

  record Wait() implements Decision {}

  record Fail(String reason, String message) implements Decision {}

  /** Switch traffic; {@code token} is the promote token consumed by this switch, or null for an automatic one. */
  record Promote(String token) implements Decision {}

  private PromotionGates() {}

  static Decision evaluate(ReleaseRun run, OwnedWrites writes, EventRecorder events, BackupGate backupGate,
      HealthGate healthGate) {
    Color color = Color.parse(run.status.currentColor);
    StrategySpec strategy = run.spec().strategyOrDefault();
    Instant started = Times.parse(run.status.revisionStartedAt);
    boolean passed = false;
    GateResult rollout = RolloutGate.check(run, color);
    run.gate(ROLLOUT, rollout);
    if (rollout.passed()) {
      HookGate.Result hooks = HookGate.check(run, writes, events, color);
      if (run.spec().hooks == null || run.spec().hooks.prePromotion == null || run.spec().hooks.prePromotion.isEmpty()) {
        run.gates.remove(HOOKS);
      } else {
        run.gate(HOOKS, hooks.gate());
      }
      if (hooks.failed()) {
        return new Fail("HookFailed", hooks.gate().message());
      }
      passed = hooks.gate().passed() && backup(run, backupGate) && health(run, healthGate, color);
    }
    if (!passed) {
      // a gate that closes again restarts promotionDelaySeconds when it reopens
      run.status.gatesPassedAt = null;
      if (ReleaseDecisions.deadlineMissed(run.now, started, strategy.progressDeadline())) {
        return new Fail("ProgressDeadlineExceeded",
            "not ready within progressDeadlineSeconds=" + strategy.progressDeadline() + ": " + firstFailingGate(run));
      }
      if (started != null) {
        run.requeueAtMost(started.plusSeconds(strategy.progressDeadline() + 1L));
      }
      return new Wait();
    }
    return promotion(run, strategy, color);
  }

  private static Decision promotion(ReleaseRun run, StrategySpec strategy, Color color) {
    if (run.status.gatesPassedAt == null) {
      run.status.gatesPassedAt = Times.format(run.now);
    }
    String token = run.annotation(Labels.PROMOTE);
    boolean promoteRequested = token != null && !token.equals(run.status.lastPromoteToken);
    RevisionRecord twin = RevisionPlanner.rejectedTwin(run.status, run.currentRecord());
    if (twin != null && !promoteRequested) {
      run.gate(PROMOTION, false, "PreviouslyRolledBack", String.format("every gate passed, but revision %d runs the same"
          + " pods as revision %d, which was rolled back (%s); it is not switched to automatically: change spec.version or"
          + " spec.template, or set annotation %s to switch anyway", run.status.currentRevision, twin.revision, twin.reason,
          Labels.PROMOTE));
      run.status.phase = Phase.AwaitingPromotion.name();
      return new Wait();
    }
    Instant delayEnds = Times.parse(run.status.gatesPassedAt).plusSeconds(strategy.promotionDelay());
    if (!promoteRequested && run.now.isBefore(delayEnds)) {
      run.gate(PROMOTION, false, "PromotionDelay", "every gate passed; switching at " + Times.format(delayEnds));
      run.requeueAtMost(delayEnds);
      return new Wait();
    }
    if (!strategy.autoPromote() && !promoteRequested) {
      run.gate(PROMOTION, false, "AwaitingPromotion",
          "every gate passed; set annotation " + Labels.PROMOTE + " to a new value to switch");
      run.status.phase = Phase.AwaitingPromotion.name();
      return new Wait();
    }
    run.gate(PROMOTION, true, promoteRequested ? "Promoted" : "AutoPromoted", "traffic switched to " + color);
    return new Promote(promoteRequested ? token : null);
  }

  private static boolean backup(ReleaseRun run, BackupGate gate) {
    if (run.spec().backupBeforePromotion == null) {
      run.gates.remove(BACKUP);
      return true;
    }
    GateResult r = gate.beforePromotion(run.release, run.status, run.now);
    run.gate(BACKUP, r);
    return r.passed();
  }

  private static boolean health(ReleaseRun run, HealthGate gate, Color color) {
    if (run.spec().healthPolicyRef == null) {
      run.gates.remove(HEALTH);
      return true;
    }
    GateResult r = gate.prePromotion(run.release, run.status, color, run.now);
    run.gate(HEALTH, r);
    return r.passed();
  }

  private static String firstFailingGate(ReleaseRun run) {
    return run.gates.values().stream().filter(g -> !g.passed()).map(GateCondition::message).findFirst().orElse("gates not passed");
  }
}
