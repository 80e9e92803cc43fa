package dev.turnout.apprelease;

import dev.turnout.common.Conditions;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Aggregates an AppRelease's conditions and phase in one place (like Keycloak's KeycloakStatusAggregator):
 * the summary conditions Available, Progressing and Degraded, and one condition per gate of the current
 * revision. Pure: reads the status built by the reconciler, writes conditions and phase.
 */
public final class AppReleaseStatusAggregator {
  public static final String AVAILABLE = "Available";
  public static final String PROGRESSING = "Progressing";
  public static final String DEGRADED = "Degraded";
  // gates, in the order they are passed
  public static final String OWNERSHIP = "OwnershipClear";
  public static final String REFERENCES = "ReferencesResolved";
  public static final String ROLLOUT = "RolloutComplete";
  public static final String HOOKS = "HooksSucceeded";
  public static final String BACKUP = "BackupVerified";
  public static final String HEALTH = "HealthChecksPassing";
  public static final String PROMOTION = "Promoted";
  public static final String ROLLBACK = "RollbackAvailable";

  /** Reasons of the Promoted gate that wait for a person (a promote token). */
  static final Set<String> AWAITING_REASONS = Set.of("AwaitingPromotion", "PreviouslyRolledBack");

  static final Set<String> REVISION_GATES = Set.of(ROLLOUT, HOOKS, BACKUP, HEALTH, PROMOTION);

  public enum Phase {
    Pending,
    Progressing,
    AwaitingPromotion,
    Healthy,
    Degraded,
    RolledBack,
    Failed,
    Paused
  }

  public enum Outcome {
    Pending,
    Promoted,
    RolledBack,
    Failed,
    Superseded
  }

  /** The state of one gate as the reconciler saw it in this pass. */
  public record GateCondition(String type, boolean passed, String reason, String message) {}

  private AppReleaseStatusAggregator() {}

  /** Derives message, phase and conditions of a reconcile from its status, gates and what it read. */
  static void aggregate(ReleaseRun run) {
    AppReleaseStatus status = run.status;
    if (!run.spec().isPaused() && !run.gates.containsKey(OWNERSHIP)) {
      status.message = message(run);
    }
    Color live = Color.parse(status.activeColor);
    io.fabric8.kubernetes.api.model.apps.Deployment d = run.snapshot.deployment(live);
    int ready = d == null || d.getStatus() == null || d.getStatus().getReadyReplicas() == null ? 0 : d.getStatus().getReadyReplicas();
    // the scale subresource an HorizontalPodAutoscaler reads: the live color's pods
    status.replicas = live == null ? null : d == null || d.getStatus() == null || d.getStatus().getReplicas() == null ? 0 : d.getStatus().getReplicas();
    status.selector = live == null ? null : dev.turnout.common.Labels.INSTANCE + "=" + run.release.getMetadata().getName() + ","
        + dev.turnout.common.Labels.COLOR + "=" + live.label();
    aggregate(run.release, status, run.now, run.gates, liveShortfall(run, d, ready), ready, liveRefusal(run));
  }

  /** A refused write of what serves or may serve again: the live color, the previous color kept for rollback, the active Service. */
  static String liveRefusal(ReleaseRun run) {
    AppReleaseStatus status = run.status;
    List<ReleaseRun.RefusedWrite> live = new ArrayList<>();
    for (String color : new String[] {status.activeColor, status.previousColor}) {
      Color c = Color.parse(color);
      if (c != null && !(run.rolloutPending() && color.equals(status.currentColor))) {
        live.add(run.refusal("Deployment", run.release.deploymentName(c)));
      }
    }
    live.add(run.refusal("Service", run.release.activeServiceName()));
    return live.stream().filter(java.util.Objects::nonNull).map(ReleaseRun.RefusedWrite::describe).findFirst().orElse(null);
  }

  /** Fewer ready pods in the live color than it runs, once the switch has converged; null when whole. */
  static String liveShortfall(ReleaseRun run, io.fabric8.kubernetes.api.model.apps.Deployment d, int ready) {
    AppReleaseStatus status = run.status;
    if (status.activeColor == null || status.switchConvergedAt == null || run.spec().isPaused()) {
      return null;
    }
    if (d == null) {
      return "the Deployment " + run.release.deploymentName(Color.parse(status.activeColor)) + " of the live color is missing";
    }
    int want = d.getSpec() == null || d.getSpec().getReplicas() == null ? 0 : d.getSpec().getReplicas();
    return ready < want ? String.format("%d/%d pods of %s ready", ready, want, status.activeColor) : null;
  }

  /** The one-line summary of status.message: what blocks, failed, was rolled back, or what serves. */
  static String message(ReleaseRun run) {
    String message = summary(run);
    String refused = liveRefusal(run);
    return refused == null ? message : message + "; " + refused;
  }

  private static String summary(ReleaseRun run) {
    AppReleaseStatus status = run.status;
    RevisionRecord rec = run.currentRecord();
    GateCondition refs = run.gates.get(REFERENCES);
    if (refs != null && !refs.passed()) {
      return refs.message();
    }
    if (rec != null && Outcome.Failed.name().equals(rec.outcome)) {
      return "revision " + rec.revision + " failed: " + rec.reason;
    }
    if (rec != null && Outcome.RolledBack.name().equals(rec.outcome)) {
      return "revision " + rec.revision + " rolled back: " + rec.reason;
    }
    if (run.rolloutPending()) {
      return "revision " + rec.revision + " on " + status.currentColor + ": " + run.gates.values().stream()
          .filter(g -> !g.passed()).map(GateCondition::message).findFirst().orElse("all gates passed");
    }
    if (status.activeColor != null) {
      RevisionRecord live = run.record(status.activeRevision);
      return "revision " + status.activeRevision + " (" + (live == null ? "?" : live.version) + ") live on " + status.activeColor;
    }
    return status.message;
  }

  /**
   * @param liveShortfall why the live color has fewer ready pods than it should (e.g. "1/3 pods of blue ready"),
   *     or null when it is whole
   * @param liveRefusal a write to the live color's objects that the API server refused, in its words, or null
   */
  public static void aggregate(AppRelease release, AppReleaseStatus status, Instant now, Map<String, GateCondition> gates,
      String liveShortfall, int liveReadyPods, String liveRefusal) {
    Long generation = release.getMetadata().getGeneration();
    List<Condition> conditions = new ArrayList<>(status.conditions == null ? List.of() : status.conditions);
    for (GateCondition g : gates.values()) {
      conditions = Conditions.set(conditions, g.type(), g.passed(), g.reason(), g.message(), generation, now);
    }
    RevisionRecord current = status.history.stream()
        .filter(r -> r.revision != null && r.revision.equals(status.currentRevision))
        .findFirst()
        .orElse(null);
    String outcome = current == null ? null : current.outcome;
    boolean pending = Outcome.Pending.name().equals(outcome) && status.currentColor != null && !status.currentColor.equals(status.activeColor);
    boolean live = status.activeColor != null;
    boolean blocked = gates.containsKey(OWNERSHIP) || (gates.containsKey(REFERENCES) && !gates.get(REFERENCES).passed());

    String phase;
    if (release.getSpec().isPaused()) {
      phase = Phase.Paused.name();
    } else if (Outcome.Failed.name().equals(outcome)) {
      phase = Phase.Failed.name();
    } else if (Outcome.RolledBack.name().equals(outcome)) {
      phase = Phase.RolledBack.name();
    } else if (blocked && !live) {
      phase = Phase.Pending.name();
    } else if (pending) {
      GateCondition promotion = gates.get(PROMOTION);
      phase = promotion != null && AWAITING_REASONS.contains(promotion.reason()) ? Phase.AwaitingPromotion.name() : Phase.Progressing.name();
    } else if (live && status.switchConvergedAt == null) {
      phase = Phase.Progressing.name();
    } else if (live && (liveShortfall != null || liveRefusal != null)) {
      phase = Phase.Degraded.name();
    } else if (live) {
      phase = Phase.Healthy.name();
    } else {
      phase = Phase.Pending.name();
    }
    status.phase = phase;

    // available means pods answer behind the active Service, not only that a color was chosen
    boolean serving = live && liveReadyPods > 0;
    conditions = Conditions.set(conditions, AVAILABLE, serving,
        serving ? "Serving" : live ? "NoReadyPods" : "NotServing",
        serving ? "revision " + status.activeRevision + " serves on " + status.activeColor
            : live ? "the active Service selects " + status.activeColor + ", which has no ready pods"
            : "no color serves traffic yet",
        generation, now);
    conditions = Conditions.set(conditions, PROGRESSING, pending || (live && status.switchConvergedAt == null),
        pending ? "RevisionRollingOut" : (live && status.switchConvergedAt == null) ? "SwitchConverging" : "Idle",
        pending ? "revision " + status.currentRevision + " rolling out to " + status.currentColor : status.message,
        generation, now);
    boolean shortfall = live && liveShortfall != null;
    boolean refused = live && liveRefusal != null;
    boolean degraded = Outcome.Failed.name().equals(outcome) || Outcome.RolledBack.name().equals(outcome) || blocked
        || shortfall || refused;
    String degradedReason = refused ? "WriteRefused"
        : Outcome.Failed.name().equals(outcome) ? "RevisionFailed"
        : Outcome.RolledBack.name().equals(outcome) ? "RevisionRolledBack"
        : blocked ? "Blocked"
        : shortfall ? "LiveColorUnderReplicated"
        : "AsExpected";
    conditions = Conditions.set(conditions, DEGRADED, degraded, degradedReason,
        !degraded ? "" : refused ? liveRefusal
            : shortfall && !blocked && outcome != null && !Outcome.Failed.name().equals(outcome)
            && !Outcome.RolledBack.name().equals(outcome) ? liveShortfall : status.message,
        generation, now);
    if (!pending) {
      // gates of a revision that is no longer in progress keep their last state, but say which revision they were
      conditions.removeIf(c -> REVISION_GATES.contains(c.getType()) && !gates.containsKey(c.getType()) && current == null);
    }
    status.conditions = conditions;
  }
}
