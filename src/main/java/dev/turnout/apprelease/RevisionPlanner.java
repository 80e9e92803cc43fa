package dev.turnout.apprelease;

import dev.turnout.apprelease.AppReleaseStatusAggregator.Outcome;
import dev.turnout.common.Times;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.time.Instant;
import java.util.Objects;

/**
 * The decisions of a release that depend only on its status and what was read: when a spec is a new revision, which
 * color it goes to, how many replicas each color runs, whether a color may receive traffic back, and whether a
 * revision was already rejected. Pure: no API access; {@link #startRevision} changes only the status it is given.
 * Tested over tables of states in RevisionPlannerTest.
 */
final class RevisionPlanner {
  private RevisionPlanner() {}

  static RevisionRecord record(AppReleaseStatus status, Long revision) {
    if (revision == null) {
      return null;
    }
    return status.history.stream().filter(r -> revision.equals(r.revision)).findFirst().orElse(null);
  }

  /** What {@link #startRevision} did: the new record, the record it superseded (or null), and whether it is already live. */
  record StartedRevision(RevisionRecord record, RevisionRecord superseded, boolean matchesLive) {}

  /**
   * Starts revision {@code currentRevision + 1} for a spec whose hash is {@code hash}: a Pending revision on the color
   * that is not live, or, when the live Deployment already runs exactly this hash (a revert in git), a revision
   * recorded as Promoted on the live color with nothing to roll out. Clears everything that belonged to the revision
   * before (gates passed, a reused idle color's rollback role).
   */
  static StartedRevision startRevision(AppReleaseStatus status, AppReleaseSpec spec, String hash, String liveHash,
      String changedBy, Instant now) {
    long number = Objects.requireNonNullElse(status.currentRevision, 0L) + 1;
    RevisionRecord superseded = record(status, status.currentRevision);
    if (superseded != null && Outcome.Pending.name().equals(superseded.outcome)) {
      superseded.outcome = Outcome.Superseded.name();
      superseded.reason = "superseded by revision " + number + " before its switch";
    } else {
      superseded = null;
    }
    Color active = Color.parse(status.activeColor);
    RevisionRecord rec = new RevisionRecord();
    rec.revision = number;
    rec.revisionHash = hash;
    rec.version = spec.version;
    rec.images = ReleaseDecisions.images(spec);
    rec.createdAt = Times.format(now);
    rec.changedBy = changedBy;
    status.currentRevision = number;
    status.currentRevisionHash = hash;
    status.revisionStartedAt = Times.format(now);
    status.gatesPassedAt = null;
    status.rollbackPendingSince = null;
    status.hooks = null;
    boolean matchesLive = active != null && hash.equals(liveHash);
    if (matchesLive) {
      rec.color = active.label();
      rec.outcome = Outcome.Promoted.name();
      rec.promotedAt = Times.format(now);
      rec.reason = "same pods as the live revision " + status.activeRevision + "; no switch needed";
      status.currentColor = active.label();
      status.activeRevision = number;
    } else {
      Color color = ReleaseDecisions.colorForNewRevision(active);
      rec.color = color.label();
      rec.outcome = Outcome.Pending.name();
      status.currentColor = color.label();
      if (color.label().equals(status.previousColor)) {
        // the idle color is reused: the revision it kept up for rollback is replaced now
        status.previousColor = null;
        status.previousRevision = null;
        status.scaleDownAt = null;
      }
    }
    status.history.add(0, rec);
    while (status.history.size() > spec.historyLimit()) {
      status.history.remove(status.history.size() - 1);
    }
    return new StartedRevision(rec, superseded, matchesLive);
  }

  /**
   * A revision of the history with the same pods as {@code rec} (same revision hash) that was rolled back: such a
   * revision is never switched to automatically again, only by a promote token, until the spec changes to something new.
   */
  static RevisionRecord rejectedTwin(AppReleaseStatus status, RevisionRecord rec) {
    if (rec == null || rec.revisionHash == null) {
      return null;
    }
    return status.history.stream()
        .filter(r -> r != rec && rec.revisionHash.equals(r.revisionHash) && Outcome.RolledBack.name().equals(r.outcome))
        .findFirst()
        .orElse(null);
  }

  /**
   * Replicas a color's Deployment should run: spec.replicas for the live color, the color under test and the previous
   * color while it is kept for rollback (so that traffic can move back onto a full color); zero otherwise (a failed or
   * superseded revision, the previous color after scaleDownAt).
   */
  static int desiredReplicas(Color color, AppReleaseStatus status, int specReplicas, boolean rolloutPending, boolean scaleDownDue) {
    if (color.label().equals(status.activeColor)) {
      return specReplicas;
    }
    if (rolloutPending && color.label().equals(status.currentColor)) {
      return specReplicas;
    }
    if (color.label().equals(status.previousColor) && !scaleDownDue) {
      return specReplicas;
    }
    return 0;
  }

  /** Whether a color can take traffic back now: its Deployment runs all {@code replicas}, every one updated, ready and available. */
  static boolean fullyAvailable(Deployment d, int replicas) {
    return replicas > 0 && ReleaseDecisions.rolledOut(d, replicas);
  }
}
