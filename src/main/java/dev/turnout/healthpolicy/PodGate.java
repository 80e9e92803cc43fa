package dev.turnout.healthpolicy;

import io.fabric8.kubernetes.api.model.PodCondition;
import java.util.List;
import java.util.Optional;

/**
 * The readiness-gate condition of one pod, decided from that pod's own rounds (pure). Each pod has its own
 * {@link GateState}: its consecutive passing and failing rounds of the policy's per-pod checks, counted on that pod
 * alone, so one pod failing says nothing about another.
 *
 * <p>The semantics are those of a Kubernetes readiness probe with the policy's thresholds:
 *
 * <ul>
 *   <li>a new pod is not Ready until it passed {@code successThreshold} rounds in a row (the gate's condition is absent
 *       until then, which holds the pod back as False would; False is written only when it failed
 *       {@code failureThreshold} rounds in a row, so that {@code kubectl describe pod} says why);
 *   <li>a pod whose condition is True stays True until it failed {@code failureThreshold} rounds in a row, and one that
 *       is False stays False until it passed {@code successThreshold} rounds in a row;
 *   <li>while a pod's state is Unknown (too few rounds either way, e.g. after an operator restart or a change of the
 *       policy) its condition is left as it is: an already-True pod is not dropped, a False one not let in.
 * </ul>
 *
 * <p>In dry run the condition is always True (a pod is never held back), with reason {@code DryRunWouldFail} when the
 * pod's checks failed {@code failureThreshold} rounds in a row.
 *
 * <p>A write is due only when the condition's status or reason would change: messages carry counts and check output
 * that change every round, and writing them would make a write per pod per round.
 */
final class PodGate {
  static final String PASSED = "HealthChecksPassed";
  static final String FAILED = "HealthChecksFailed";
  static final String DRY_RUN = "DryRun";
  static final String DRY_RUN_WOULD_FAIL = "DryRunWouldFail";

  private PodGate() {}

  /** A pod condition to write. */
  record Verdict(boolean status, String reason, String message) {
    String statusText() {
      return status ? "True" : "False";
    }
  }

  /**
   * The condition to write on a pod now, or empty when its current condition stays.
   *
   * @param gate the pod's own state after its last round
   * @param dryRun the policy's dryRun
   * @param current the pod's condition of the gate's type, or null when it has none
   * @param failures what failed on the pod in its last round ("api: GET ... 503"), for the message
   */
  static Optional<Verdict> decide(GateState gate, boolean dryRun, PodCondition current, String failures) {
    Verdict wanted;
    switch (gate.gate()) {
      case OPEN -> wanted = new Verdict(true, PASSED,
          "every per-pod check passed " + gate.consecutiveSuccesses() + " round(s) in a row on this pod");
      case CLOSED -> {
        String failed = "failed " + gate.consecutiveFailures() + " round(s) in a row on this pod: " + failures;
        wanted = dryRun ? new Verdict(true, DRY_RUN_WOULD_FAIL, "dry run, would be False: " + failed)
            : new Verdict(false, FAILED, failed);
      }
      default -> {
        if (!dryRun || (current != null && "True".equals(current.getStatus()))) {
          return Optional.empty(); // Unknown: the pod's condition stays as it is
        }
        wanted = new Verdict(true, DRY_RUN, "dry run, not holding the pod back; checks pending");
      }
    }
    if (current != null && wanted.statusText().equals(current.getStatus()) && wanted.reason().equals(current.getReason())) {
      return Optional.empty();
    }
    return Optional.of(wanted);
  }

  /** The condition of {@code type} among {@code conditions}, or null. */
  static PodCondition find(List<PodCondition> conditions, String type) {
    if (conditions == null) {
      return null;
    }
    return conditions.stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
  }
}
