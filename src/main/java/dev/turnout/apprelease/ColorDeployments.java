package dev.turnout.apprelease;

import dev.turnout.common.Labels;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.Objects;

/**
 * The two color Deployments of a release. A color that runs (the live color, the color under test, the previous color
 * kept for rollback) is applied as its revision's pod template with {@link RevisionPlanner#desiredReplicas} replicas:
 * created when missing, even deleted by someone, and set back when someone changed a field Turnout owns (image,
 * replicas, ...). A color that no longer runs is only scaled to zero; nothing is ever deleted.
 */
final class ColorDeployments {
  private ColorDeployments() {}

  /** @param scaleDownDue whether the previous color's time to be kept up for rollback is over */
  static void ensure(ReleaseRun run, OwnedWrites writes, RevisionTemplates templates, boolean scaleDownDue) {
    AppReleaseStatus status = run.status;
    boolean pending = run.rolloutPending();
    int specReplicas = run.spec().replicasOrDefault();
    for (Color color : Color.values()) {
      Deployment actual = run.snapshot.deployment(color);
      int replicas = RevisionPlanner.desiredReplicas(color, status, specReplicas, pending, scaleDownDue);
      try {
        Long revision = revisionOf(color, status, pending, scaleDownDue);
        RevisionTemplates.Recorded recorded = revision == null ? null : templates.of(revision);
        if (recorded == null) {
          // a color that no longer runs, or a revision from before Turnout recorded them: only its size is Turnout's
          writes.scale(actual, replicas);
          continue;
        }
        Deployment desired = ReleaseObjectsFactory.deployment(run.release, color, recorded.template(), recorded.revisionHash(), replicas);
        if (actual == null && run.status.activeColor != null) {
          // not in the cache: its name may belong to something else (before the first switch Ownership looked already)
          Ownership.requireFree(writes.client(), run, color);
        }
        writes.apply(actual, desired, role(run, writes, color, revision));
      } catch (OwnedWrites.Refused refused) {
        // recorded in the run (conditions, Event, retry with backoff); the other color is still looked after
      }
    }
  }

  /** The revision a color runs while it runs: live, under test, or kept for rollback; null otherwise. */
  static Long revisionOf(Color color, AppReleaseStatus status, boolean rolloutPending, boolean scaleDownDue) {
    if (color.label().equals(status.activeColor)) {
      return status.activeRevision;
    }
    if (rolloutPending && color.label().equals(status.currentColor)) {
      return status.currentRevision;
    }
    if (color.label().equals(status.previousColor) && !scaleDownDue) {
      return status.previousRevision;
    }
    return null;
  }

  private static OwnedWrites.Role role(ReleaseRun run, OwnedWrites writes, Color color, long revision) {
    AppReleaseStatus status = run.status;
    String name = run.release.deploymentName(color);
    if (color.label().equals(status.activeColor)) {
      // the live color served: it existed
      return new OwnedWrites.Role("the live color " + color + ", revision " + revision, true);
    }
    if (color.label().equals(status.previousColor) && !Objects.equals(status.currentColor, status.previousColor)) {
      return new OwnedWrites.Role("the previous color " + color + " kept for rollback, revision " + revision, true);
    }
    return new OwnedWrites.Role("the color under test " + color + ", revision " + revision, writes.seen("Deployment", name));
  }

  /** The revision hash a color's Deployment runs, or null when there is none. */
  static String runningHash(ReleaseRun run, Color color) {
    return ReleaseSnapshot.annotation(run.snapshot.deployment(color), Labels.REVISION_HASH);
  }
}
