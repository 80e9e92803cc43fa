package dev.turnout.apprelease;

import dev.turnout.common.EventRecorder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.List;
import java.util.Optional;

/**
 * Gate HooksSucceeded: the pre-promotion hook Jobs, run one after the other against the color under test. A Job that
 * does not exist yet is created; a failed one fails the revision; one the API server refuses keeps the gate closed
 * (reason WriteRefused) and is retried with backoff.
 */
final class HookGate {
  /** The gate's result; {@code failed} when a hook failed, which fails the revision. */
  record Result(GateResult gate, boolean failed) {}

  private HookGate() {}

  static Result check(ReleaseRun run, OwnedWrites writes, EventRecorder events, Color color) {
    AppReleaseSpec spec = run.spec();
    List<HookSpec> hooks = spec.hooks == null || spec.hooks.prePromotion == null ? List.of() : spec.hooks.prePromotion;
    for (HookSpec hook : hooks) {
      String name = ReleaseObjectsFactory.hookJobName(run.release, hook, run.status.currentRevision);
      Job job = run.snapshot.job(name);
      if (job == null) {
        // not in the cache: look once on the server before creating, so a restart never runs a hook twice
        job = writes.client().batch().v1().jobs().inNamespace(run.namespace()).withName(name).get();
      }
      if (job == null) {
        try {
          writes.create(ReleaseObjectsFactory.hookJob(run.release, hook, name, color, run.status.currentRevision));
        } catch (OwnedWrites.Refused refused) {
          // retried with backoff; the revision waits (and fails at its progress deadline if the spec is not fixed)
          return new Result(GateResult.waiting("WriteRefused", "hook " + hook.name + ": " + refused.write.describe()), false);
        }
        events.normal(run.release, "HookStarted", "pre-promotion hook " + hook.name + " started as Job " + name);
        return new Result(GateResult.waiting("HookRunning", "hook " + hook.name + " (Job " + name + ") running"), false);
      }
      Optional<Boolean> outcome = ReleaseDecisions.jobOutcome(job);
      if (outcome.isEmpty()) {
        return new Result(GateResult.waiting("HookRunning", "hook " + hook.name + " (Job " + name + ") running"), false);
      }
      if (!outcome.get()) {
        String msg = "hook " + hook.name + " (Job " + name + ") failed: " + ReleaseDecisions.jobFailureMessage(job);
        return new Result(GateResult.waiting("HookFailed", msg), true);
      }
    }
    return new Result(GateResult.passed("Succeeded", hooks.size() + " pre-promotion hook(s) succeeded"), false);
  }
}
