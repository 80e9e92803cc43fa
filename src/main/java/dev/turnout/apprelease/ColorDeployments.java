package dev.turnout.apprelease;

import dev.turnout.common.Labels;
import io.fabric8.kubernetes.api.model.apps.Deployment;

/**
 * The two color Deployments of a release: the color under test gets the current revision's pod template; every color
 * runs the replica count {@link RevisionPlanner#desiredReplicas} gives it. Nothing is ever deleted: a color that is no
 * longer needed is scaled to zero.
 */
final class ColorDeployments {
  private ColorDeployments() {}

  /**
   * @param readinessGate the pod condition type of the HealthPolicy's readiness gate for the revision, or null
   * @param scaleDownDue whether the previous color's time to be kept up for rollback is over
   */
  static void ensure(ReleaseRun run, OwnedWrites writes, String readinessGate, boolean scaleDownDue) {
    AppReleaseStatus status = run.status;
    Color current = Color.parse(status.currentColor);
    boolean pending = run.rolloutPending();
    int specReplicas = run.spec().replicasOrDefault();
    for (Color color : Color.values()) {
      Deployment actual = run.snapshot.deployment(color);
      int replicas = RevisionPlanner.desiredReplicas(color, status, specReplicas, pending, scaleDownDue);
      if (pending && color == current) {
        Deployment desired = ReleaseObjectsFactory.deployment(run.release, color, status.currentRevision,
            status.currentRevisionHash, run.snapshot.config.checksum(), replicas, readinessGate);
        Deployment written = writes.apply(actual, desired, ReleaseObjectsFactory.deploymentHash(desired), null);
        writes.scale(written, replicas);
      } else {
        writes.scale(actual, replicas);
      }
    }
  }

  /** The revision hash a color's Deployment runs, or null when there is none. */
  static String runningHash(ReleaseRun run, Color color) {
    return ReleaseSnapshot.annotation(run.snapshot.deployment(color), Labels.REVISION_HASH);
  }
}
