package dev.turnout.apprelease;

import dev.turnout.common.EventRecorder;
import dev.turnout.common.Times;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Gate HooksSucceeded: the pre-promotion hook Jobs, run one after the other against the color under test. A Job that
 * does not exist yet is created; a failed one fails the revision; one the API server refuses keeps the gate closed
 * (reason WriteRefused) and is retried with backoff. Each hook's result is recorded in status.hooks when its Job
 * finishes and trusted over the Job afterwards: a Job deleted after it finished (ttlSecondsAfterFinished, or by hand)
 * does not run the hook again for the same revision.
 */
final class HookGate {
  /** The gate's reason when every hook succeeded. */
  static final String PASSED = "Succeeded";

  /** The gate's result; {@code failed} when a hook failed, which fails the revision. */
  record Result(GateResult gate, boolean failed) {}

  private HookGate() {}

  static Result check(ReleaseRun run, OwnedWrites writes, EventRecorder events, Color color) {
    AppReleaseSpec spec = run.spec();
    List<HookSpec> hooks = spec.hooks == null || spec.hooks.prePromotion == null ? List.of() : spec.hooks.prePromotion;
    Long revision = run.status.currentRevision;
    for (HookSpec hook : hooks) {
      String name = ReleaseObjectsFactory.hookJobName(run.release, hook, revision);
      HookResult recorded = recorded(run.status, hook.name, revision);
      if (recorded != null && recorded.succeeded()) {
        continue;
      }
      if (recorded != null) {
        return new Result(GateResult.waiting("HookFailed", failedMessage(hook, recorded.job, recorded.message)), true);
      }
      Job job = run.snapshot.job(name);
      if (job == null) {
        // not in the cache: look once on the server before creating, so a restart never runs a hook twice
        job = writes.client().batch().v1().jobs().inNamespace(run.namespace()).withName(name).get();
      }
      if (job == null) {
        try {
          writes.create(ReleaseObjectsFactory.hookJob(run.release, hook, name, color, revision));
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
      String message = outcome.get() ? null : ReleaseDecisions.jobFailureMessage(job);
      record(run.status, hook.name, revision, job, outcome.get(), message);
      if (!outcome.get()) {
        return new Result(GateResult.waiting("HookFailed", failedMessage(hook, name, message)), true);
      }
    }
    return new Result(GateResult.passed(PASSED, hooks.size() + " pre-promotion hook(s) succeeded"), false);
  }

  private static String failedMessage(HookSpec hook, String job, String why) {
    return "hook " + hook.name + " (Job " + job + ") failed: " + why;
  }

  static HookResult recorded(AppReleaseStatus status, String hook, Long revision) {
    return status.hooks == null ? null : status.hooks.stream()
        .filter(r -> hook.equals(r.name) && Objects.equals(revision, r.revision)).findFirst().orElse(null);
  }

  /** Records a finished hook; results of other revisions are dropped (status.hooks describes the current one). */
  private static void record(AppReleaseStatus status, String hook, Long revision, Job job, boolean succeeded, String message) {
    List<HookResult> results = new ArrayList<>(status.hooks == null ? List.of() : status.hooks);
    results.removeIf(r -> !Objects.equals(revision, r.revision) || hook.equals(r.name));
    HookResult r = new HookResult();
    r.name = hook;
    r.revision = revision;
    r.job = job.getMetadata().getName();
    r.outcome = succeeded ? "Succeeded" : "Failed";
    r.finishedAt = finishedAt(job);
    r.message = message;
    results.add(r);
    status.hooks = results;
  }

  private static String finishedAt(Job job) {
    if (job.getStatus() == null) {
      return null;
    }
    if (job.getStatus().getCompletionTime() != null) {
      return Times.format(Times.parse(job.getStatus().getCompletionTime()));
    }
    return job.getStatus().getConditions() == null ? null : job.getStatus().getConditions().stream()
        .filter(c -> "Failed".equals(c.getType()) && "True".equals(c.getStatus()))
        .map(c -> c.getLastTransitionTime()).filter(Objects::nonNull).findFirst()
        .map(t -> Times.format(Times.parse(t))).orElse(null);
  }
}
