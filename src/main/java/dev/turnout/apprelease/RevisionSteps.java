package dev.turnout.apprelease;

import static dev.turnout.apprelease.AppReleaseStatusAggregator.REFERENCES;

import dev.turnout.apprelease.AppReleaseStatusAggregator.Outcome;
import dev.turnout.common.EventRecorder;
import dev.turnout.common.Labels;
import dev.turnout.common.Times;
import java.util.Objects;

/**
 * The start and the failure of a revision, as the reconciler's lifecycle takes them: which revision starts when what
 * the pods run changes (decided by {@link RevisionPlanner}), what status, Events and metrics say of it, and what a
 * failed revision releases.
 */
final class RevisionSteps {
  private RevisionSteps() {}

  /** Step 2: a change of what the pods run (spec, referenced config, readiness gate) starts a new revision. */
  static void newRevisionIfChanged(ReleaseRun run, String readinessGate, EventRecorder events, ReleaseMetrics metrics) {
    ConfigResolver.ResolvedConfig config = run.snapshot.config;
    if (!config.missing().isEmpty()) {
      String msg = "missing " + String.join("; ", config.missing());
      if (!msg.equals(run.gateMessage(REFERENCES))) {
        events.warning(run.release, "MissingReference", msg);
      }
      run.gate(REFERENCES, false, "MissingReference", msg);
      return;
    }
    run.gate(REFERENCES, true, "Resolved", "every Secret and ConfigMap the template uses exists");
    // a pod readiness gate is part of the pod template, so adding or removing one is a new revision
    String hash = ReleaseDecisions.revisionHash(run.spec(),
        readinessGate == null ? config.checksum() : config.checksum() + "|readinessGate=" + readinessGate);
    if (hash.equals(run.status.currentRevisionHash)) {
      run.status.readinessGate = readinessGate;
      return;
    }
    AppReleaseStatus status = run.status;
    String promoteToken = run.annotation(Labels.PROMOTE);
    RevisionPlanner.StartedRevision started = RevisionPlanner.startRevision(status, run.spec(), hash,
        ColorDeployments.runningHash(run, Color.parse(status.activeColor)),
        ReleaseDecisions.lastSpecManager(run.release.getMetadata().getManagedFields()), run.now);
    RevisionRecord rec = started.record();
    status.readinessGate = readinessGate;
    // the gates of the revision before describe it, not this one
    run.gates.keySet().removeIf(AppReleaseStatusAggregator.REVISION_GATES::contains);
    status.conditions.removeIf(c -> AppReleaseStatusAggregator.REVISION_GATES.contains(c.getType()));
    if (started.superseded() != null) {
      events.normal(run.release, "Superseded", "revision " + started.superseded().revision + " superseded by revision " + rec.revision);
      if (promoteToken != null && !promoteToken.equals(status.lastPromoteToken)) {
        // a promote token is given to the revision it was set for: it never promotes the one that replaces it
        status.lastPromoteToken = promoteToken;
      }
    }
    if (started.matchesLive()) {
      events.normal(run.release, "RevisionMatchesLive",
          "revision " + rec.revision + " (" + rec.version + ") is what already serves on " + status.activeColor);
    } else {
      metrics.started(run.release);
      events.normal(run.release, "RevisionCreated", String.format("revision %d (%s) rolls out to %s", rec.revision, rec.version, rec.color));
    }
  }

  /** A gate of the revision under test failed: it ends Failed, traffic stays where it is, its color is released. */
  static void fail(ReleaseRun run, OwnedWrites writes, String reason, String message, EventRecorder events, ReleaseMetrics metrics) {
    AppReleaseStatus status = run.status;
    RevisionRecord rec = run.currentRecord();
    rec.outcome = Outcome.Failed.name();
    rec.outcomeAt = Times.format(run.now);
    rec.reason = message;
    status.message = message;
    events.warning(run.release, reason, "revision " + rec.revision + " failed, traffic stays on "
        + Objects.toString(status.activeColor, "nothing") + ": " + message);
    metrics.failed(run.release, reason);
    // release the failed color's capacity now rather than on the next pass
    OwnedWrites.refusable(() -> writes.scale(run.snapshot.deployment(Color.parse(status.currentColor)), 0));
  }
}
