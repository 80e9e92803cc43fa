package dev.turnout.apprelease;

import io.fabric8.kubernetes.api.model.apps.Deployment;

/**
 * Gate RolloutComplete: the color under test's Deployment is rolled out (the controller saw its latest spec; every
 * replica updated, ready and available) and every one of its pods is ready behind the preview Service's
 * EndpointSlices, which is what the health checks and the switch will use. The pods behind an endpoint are told
 * apart by their color and revision labels, so pods of the other color or of an earlier revision (the slices lag
 * behind a selector change) do not count.
 */
final class RolloutGate {
  private RolloutGate() {}

  static GateResult check(ReleaseRun run, Color color) {
    Deployment d = run.snapshot.deployment(color);
    int replicas = run.spec().replicasOrDefault();
    if (!ReleaseDecisions.rolledOut(d, replicas)) {
      return GateResult.waiting("RollingOut", ReleaseDecisions.rolloutProgress(d, replicas));
    }
    String preview = run.release.previewServiceName();
    long ready = ReleaseDecisions.readyEndpointsOf(run.snapshot.slices(preview), run.snapshot.pods, color, run.status.currentRevision);
    if (ready < replicas) {
      return GateResult.waiting("WaitingForEndpoints",
          String.format("%d/%d pods of %s ready behind Service %s", ready, replicas, color, preview));
    }
    return GateResult.passed("Available",
        String.format("%d/%d pods of %s available and ready behind Service %s", replicas, replicas, color, preview));
  }
}
