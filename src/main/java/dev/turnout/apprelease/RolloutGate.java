package dev.turnout.apprelease;

import dev.turnout.common.Labels;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.Objects;

/**
 * Gate RolloutComplete: the color under test's Deployment is rolled out (the controller saw its latest spec; every
 * replica updated, ready and available) and every one of its pods is ready behind the preview Service's
 * EndpointSlices, which is what the health checks and the switch will use. Closed (reason WriteRefused) while the API
 * server refuses the Deployment or the preview Service: what ran on that color before never passes for the revision.
 * The pods behind an endpoint are told apart by their color and revision labels, so pods of the other color or of an
 * earlier revision (the slices lag behind a selector change) do not count.
 */
final class RolloutGate {
  /** The gate's reason when it passes. */
  static final String PASSED = "Available";

  private RolloutGate() {}

  static GateResult check(ReleaseRun run, Color color) {
    String preview = run.release.previewServiceName();
    ReleaseRun.RefusedWrite refused = run.refusal("Deployment", run.release.deploymentName(color));
    if (refused == null) {
      refused = run.refusal("Service", preview);
    }
    if (refused != null) {
      // never pass on what ran on this color before: it does not run this revision
      return GateResult.waiting("WriteRefused", refused.describe());
    }
    Deployment d = run.snapshot.deployment(color);
    int replicas = run.spec().replicasOrDefault();
    if (d != null && !Objects.equals(ReleaseSnapshot.annotation(d, Labels.REVISION_HASH), run.status.currentRevisionHash)) {
      return GateResult.waiting("RollingOut", String.format("Deployment %s does not run revision %d yet",
          d.getMetadata().getName(), run.status.currentRevision));
    }
    if (!ReleaseDecisions.rolledOut(d, replicas)) {
      return GateResult.waiting("RollingOut", ReleaseDecisions.rolloutProgress(d, replicas));
    }
    long ready = ReleaseDecisions.readyEndpointsOf(run.snapshot.slices(preview), run.snapshot.pods, color, run.status.currentRevision);
    if (ready < replicas) {
      return GateResult.waiting("WaitingForEndpoints",
          String.format("%d/%d pods of %s ready behind Service %s", ready, replicas, color, preview));
    }
    return GateResult.passed(PASSED,
        String.format("%d/%d pods of %s available and ready behind Service %s", replicas, replicas, color, preview));
  }
}
