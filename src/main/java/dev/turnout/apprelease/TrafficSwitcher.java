package dev.turnout.apprelease;

import dev.turnout.apprelease.AppReleaseStatusAggregator.Outcome;
import dev.turnout.common.Conditions;
import dev.turnout.common.EventRecorder;
import dev.turnout.common.Labels;
import dev.turnout.common.Times;
import io.fabric8.kubernetes.api.model.Service;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.jboss.logging.Logger;

/**
 * The only code that writes the active Service: its selector's {@code turnout.dev/color} is where traffic goes. The
 * decision travels in the same write, as annotations on the Service (the color decided, the revision it serves, why,
 * and the promote and rollback tokens consumed), so that after a crash at any point the cluster itself says what was
 * decided: a token is never acted on twice, and a selector someone edited by hand is told apart from a switch whose
 * status write was lost.
 */
final class TrafficSwitcher {
  private static final Logger LOG = Logger.getLogger(TrafficSwitcher.class);
  static final String SERVING_COLOR = "turnout.dev/serving-color";
  static final String SERVING_REVISION = "turnout.dev/serving-revision";
  static final String SWITCH_REASON = "turnout.dev/switch-reason";
  static final String PROMOTE_TOKEN = "turnout.dev/promote-token";
  static final String ROLLBACK_TOKEN = "turnout.dev/rollback-token";

  enum Reason { Promoted, RolledBack, Reverted }

  /** What the active Service says: the color its selector picks, and the decision Turnout wrote with it (null if none). */
  record Serving(Color selected, Color decided, Long revision, Reason reason, String promoteToken, String rollbackToken) {
    static Serving of(Service s) {
      if (s == null || s.getSpec() == null || s.getSpec().getSelector() == null) {
        return null;
      }
      Map<String, String> a = s.getMetadata().getAnnotations() == null ? Map.of() : s.getMetadata().getAnnotations();
      String revision = a.get(SERVING_REVISION);
      String reason = a.get(SWITCH_REASON);
      return new Serving(Color.parse(s.getSpec().getSelector().get(Labels.COLOR)), Color.parse(a.get(SERVING_COLOR)),
          revision == null ? null : Long.valueOf(revision), reason == null ? null : Reason.valueOf(reason),
          a.get(PROMOTE_TOKEN), a.get(ROLLBACK_TOKEN));
    }

    /** The selector no longer picks the color Turnout decided: someone edited it. */
    boolean handEdited() {
      return decided != null && selected != decided;
    }
  }

  private final ReleaseRun run;
  private final OwnedWrites writes;
  private final EventRecorder events;
  private final ReleaseMetrics metrics;

  TrafficSwitcher(ReleaseRun run, OwnedWrites writes, EventRecorder events, ReleaseMetrics metrics) {
    this.run = run;
    this.writes = writes;
    this.events = events;
    this.metrics = metrics;
  }

  Serving serving() {
    return Serving.of(run.snapshot.service(run.release.activeServiceName()));
  }

  /**
   * Brings status in line with the active Service when a switch was written but its status write was lost (the
   * operator stopped between the two, or this reconcile reads an older status): the Service's annotations say what
   * was decided, including the tokens consumed.
   */
  void recover() {
    AppReleaseStatus status = run.status;
    Serving s = serving();
    if (s == null) {
      return;
    }
    if (s.decided() == null) {
      recoverUnannotated(s.selected());
      return;
    }
    String tokenBefore = status.lastPromoteToken;
    if (s.promoteToken() != null) {
      status.lastPromoteToken = s.promoteToken();
    }
    if (s.rollbackToken() != null && !s.rollbackToken().equals(status.lastRollbackToken)
        && s.decided().label().equals(status.activeColor)) {
      status.lastRollbackToken = s.rollbackToken();
    }
    if (s.decided().label().equals(status.activeColor)) {
      return;
    }
    if (s.reason() == Reason.Promoted && s.decided().label().equals(status.currentColor) && run.rolloutPending()
        && Objects.equals(s.revision(), status.currentRevision)) {
      LOG.infof("%s/%s: the active Service already selects %s; recording the switch", run.namespace(), name(), s.decided());
      recordSwitch(s.decided(), "recovered: the switch was written before the operator stopped");
      // the Promoted condition as PromotionGates sets it with the switch: a token the Service consumed that status had
      // not recorded yet was a manual promotion (without this the condition was missing, seen under faults)
      boolean manual = s.promoteToken() != null && !s.promoteToken().equals(tokenBefore);
      run.gate(AppReleaseStatusAggregator.PROMOTION, true, manual ? "Promoted" : "AutoPromoted",
          "traffic switched to " + s.decided());
      gatesPassedBeforeSwitch(s.decided());
    } else if (s.reason() != Reason.Promoted && s.decided().label().equals(status.previousColor)) {
      LOG.infof("%s/%s: the active Service already selects %s; recording the rollback", run.namespace(), name(), s.decided());
      if (s.rollbackToken() != null) {
        status.lastRollbackToken = s.rollbackToken();
      }
      boolean reverted = s.reason() == Reason.Reverted;
      recordRollback(Color.parse(status.activeColor), s.decided(), reverted
          ? "automatic revert (recorded from the active Service: the status write after the revert was lost)"
          : "rollback recorded after restart", reverted ? "health" : "manual");
      if (reverted) {
        // as Rollbacks.revert says it; without this the condition kept the HealthChecksPassed of before the switch
        // (seen on the real tier with a 500 answering the Service write the server had applied)
        Rollbacks.reverted(run, "the health gate closed after the switch (revert recorded from the active Service)");
      }
    }
  }

  /** Each revision gate with the reason it has when it passes (PromotionGates, HookGate, the backup and health gates). */
  private static final Map<String, String> PASSED_REASONS = Map.of(AppReleaseStatusAggregator.ROLLOUT, RolloutGate.PASSED,
      AppReleaseStatusAggregator.HOOKS, HookGate.PASSED, AppReleaseStatusAggregator.BACKUP, BackupGate.PASSED,
      AppReleaseStatusAggregator.HEALTH, HealthGate.PASSED);

  /**
   * A switch is written only once every gate of its revision passed, but the status written before it may still show
   * them waiting: progress within a wait is written with the next change that matters (StatusProgress), and that
   * change was the lost write. Recorded from the Service, the gates say they passed, as after an uninterrupted switch
   * (seen with a HealthChecksPassing False/HealthChecksPending left on a live release).
   */
  private void gatesPassedBeforeSwitch(Color to) {
    PASSED_REASONS.forEach((type, reason) -> Conditions.find(run.status.conditions, type)
        .filter(c -> !"True".equals(c.getStatus()))
        .ifPresent(c -> run.gate(type, true, reason, "passed before the switch to " + to
            + " (recorded from the active Service: the status write after the switch was lost)")));
  }

  /** Services written before the decision annotations existed: the selector alone is the truth. */
  private void recoverUnannotated(Color serving) {
    AppReleaseStatus status = run.status;
    if (serving == null || serving.label().equals(status.activeColor)) {
      return;
    }
    if (serving.label().equals(status.currentColor) && run.rolloutPending()) {
      recordSwitch(serving, "recovered after restart");
    } else if (serving.label().equals(status.previousColor)) {
      recordRollback(Color.parse(status.activeColor), serving, "rollback recorded after restart", "recovered");
    }
  }

  /**
   * Keeps the active Service as decided once there is a live color: repairs a selector edited by hand (Event
   * DriftRepaired), recreates a deleted Service, and keeps the annotations in line with status (e.g. a revision that
   * matches the live pods).
   */
  void ensure() {
    AppReleaseStatus status = run.status;
    Color active = Color.parse(status.activeColor);
    if (active == null) {
      return;
    }
    Service actual = run.snapshot.service(run.release.activeServiceName());
    Serving s = Serving.of(actual);
    boolean edited = s != null && s.selected() != active;
    Reason reason = s == null || s.reason() == null ? Reason.Promoted : s.reason();
    // a hand-edited selector has its own Event below; any other change or a deletion is reported as the write repairs it
    write(active, status.activeRevision, reason, s == null ? status.lastPromoteToken : s.promoteToken(),
        s == null ? status.lastRollbackToken : s.rollbackToken(),
        edited ? null : new OwnedWrites.Role("the active Service, selecting " + active, true));
    if (edited) {
      events.warning(run.release, "DriftRepaired", String.format("Service %s selected %s by a change Turnout did not make;"
          + " set back to %s (revision %d). To move traffic, set annotation %s or %s on the AppRelease",
          actual.getMetadata().getName(), s.selected(), active, status.activeRevision, Labels.ROLLBACK, Labels.PROMOTE));
    }
  }

  /** Switches traffic to the color under test (every gate passed). */
  void promote(Color color, String promoteToken) {
    Serving s = serving();
    write(color, run.status.currentRevision, Reason.Promoted,
        promoteToken != null ? promoteToken : s == null ? null : s.promoteToken(), s == null ? null : s.rollbackToken(), null);
    if (promoteToken != null) {
      run.status.lastPromoteToken = promoteToken;
    }
    recordSwitch(color, null);
  }

  /** Switches traffic back to the previous color. */
  void rollBack(Color from, Color to, String reason, String trigger, String rollbackToken) {
    Serving s = serving();
    write(to, run.status.previousRevision, "health".equals(trigger) ? Reason.Reverted : Reason.RolledBack,
        s == null ? null : s.promoteToken(), rollbackToken != null ? rollbackToken : s == null ? null : s.rollbackToken(), null);
    if (rollbackToken != null) {
      run.status.lastRollbackToken = rollbackToken;
    }
    recordRollback(from, to, reason, trigger);
  }

  /**
   * Applies the active Service: the selector and the decision in one write, with the cached copy's resourceVersion as
   * precondition, so that a switch decided from a stale copy is refused (409) rather than made twice.
   */
  private void write(Color color, Long revision, Reason reason, String promoteToken, String rollbackToken, OwnedWrites.Role role) {
    Service actual = run.snapshot.service(run.release.activeServiceName());
    Service desired = ReleaseObjectsFactory.service(run.release, run.release.activeServiceName(), color, "active");
    Map<String, String> annotations = new HashMap<>();
    annotations.put(SERVING_COLOR, color.label());
    if (revision != null) {
      annotations.put(SERVING_REVISION, Long.toString(revision));
    }
    annotations.put(SWITCH_REASON, reason.name());
    if (promoteToken != null) {
      annotations.put(PROMOTE_TOKEN, promoteToken);
    }
    if (rollbackToken != null) {
      annotations.put(ROLLBACK_TOKEN, rollbackToken);
    }
    desired.getMetadata().setAnnotations(annotations);
    if (actual != null) {
      desired.getMetadata().setResourceVersion(actual.getMetadata().getResourceVersion());
    }
    writes.apply(actual, desired, role);
  }

  private void recordSwitch(Color color, String note) {
    AppReleaseStatus status = run.status;
    RevisionRecord rec = run.currentRecord();
    Duration restored = RestoreTime.of(status.history, rec.revision, run.now);
    status.previousColor = status.activeColor;
    status.previousRevision = status.activeRevision;
    status.activeColor = color.label();
    status.activeRevision = status.currentRevision;
    status.lastSwitchTime = Times.format(run.now);
    status.switchConvergedAt = null;
    status.scaleDownAt = null;
    rec.outcome = Outcome.Promoted.name();
    rec.promotedAt = Times.format(run.now);
    rec.reason = note == null ? "every gate passed" : note;
    Instant created = Times.parse(rec.createdAt);
    metrics.promoted(run.release, created == null ? null : Duration.between(created, run.now), restored);
    events.normal(run.release, "Promoted", String.format("revision %d (%s) is live on %s; previous color %s kept up for rollback",
        rec.revision, rec.version, color, Objects.toString(status.previousColor, "none")));
  }

  private void recordRollback(Color from, Color to, String reason, String trigger) {
    AppReleaseStatus status = run.status;
    RevisionRecord rejected = run.record(status.activeRevision);
    if (rejected != null) {
      rejected.outcome = Outcome.RolledBack.name();
      rejected.outcomeAt = Times.format(run.now);
      rejected.reason = reason;
    }
    Long fromRevision = status.activeRevision;
    status.activeColor = to.label();
    status.activeRevision = status.previousRevision;
    status.previousColor = from == null ? null : from.label();
    status.previousRevision = fromRevision;
    status.lastSwitchTime = Times.format(run.now);
    status.switchConvergedAt = null;
    status.scaleDownAt = null;
    status.rollbackPendingSince = null;
    run.gate(AppReleaseStatusAggregator.ROLLBACK, true, "RolledBack", "traffic back on " + to + ": " + reason);
    metrics.rolledBack(run.release, trigger);
    events.warning(run.release, "RolledBack", "traffic switched back to " + to + " (revision " + status.activeRevision + "): " + reason);
  }

  private String name() {
    return run.release.getMetadata().getName();
  }
}
