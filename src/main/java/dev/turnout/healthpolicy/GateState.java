package dev.turnout.healthpolicy;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The gate of one (release, Service) pair, computed from rounds of check results (pure, immutable: {@link #record}
 * returns the next state, so a snapshot can be read from any thread).
 *
 * <p>Rules: a round passes when every check in it passes. {@code successThreshold} consecutive passing rounds open the
 * gate; {@code failureThreshold} consecutive failing rounds close it. Before either happens the gate is
 * {@link Gate#UNKNOWN}. A round with no checks fails. The time at which the failure threshold was last reached is kept
 * (until the gate opens again) for the metric "time from failure threshold to revert".
 */
public final class GateState {
  /** Open: passing. Closed: failing. Unknown: not enough consecutive rounds yet either way. */
  public enum Gate {
    UNKNOWN("Unknown"), OPEN("Open"), CLOSED("Closed");

    private final String display;

    Gate(String display) {
      this.display = display;
    }

    /** As written in status: Open, Closed or Unknown. */
    @Override
    public String toString() {
      return display;
    }
  }

  /** Consecutive passing and failing runs of one check. */
  public record Counts(int consecutiveSuccesses, int consecutiveFailures) {
    static final Counts ZERO = new Counts(0, 0);

    Counts next(boolean passed) {
      return passed ? new Counts(consecutiveSuccesses + 1, 0) : new Counts(0, consecutiveFailures + 1);
    }
  }

  private final int successThreshold;
  private final int failureThreshold;
  private final Gate gate;
  private final int consecutiveSuccesses;
  private final int consecutiveFailures;
  private final Map<String, Counts> checks;
  private final long rounds;
  private final Instant lastTransitionTime;
  private final Instant failureThresholdReachedAt;

  private GateState(int successThreshold, int failureThreshold, Gate gate, int consecutiveSuccesses,
      int consecutiveFailures, Map<String, Counts> checks, long rounds, Instant lastTransitionTime,
      Instant failureThresholdReachedAt) {
    this.successThreshold = successThreshold;
    this.failureThreshold = failureThreshold;
    this.gate = gate;
    this.consecutiveSuccesses = consecutiveSuccesses;
    this.consecutiveFailures = consecutiveFailures;
    this.checks = checks;
    this.rounds = rounds;
    this.lastTransitionTime = lastTransitionTime;
    this.failureThresholdReachedAt = failureThresholdReachedAt;
  }

  /** The state before any round: Unknown. Thresholds below 1 count as 1. */
  public static GateState initial(int successThreshold, int failureThreshold) {
    return new GateState(Math.max(1, successThreshold), Math.max(1, failureThreshold), Gate.UNKNOWN, 0, 0, Map.of(), 0,
        null, null);
  }

  /** The initial state for {@code policy}'s thresholds (defaults 3 and 2). */
  public static GateState initial(HealthPolicySpec policy) {
    return initial(policy.successThreshold == null ? 3 : policy.successThreshold,
        policy.failureThreshold == null ? 2 : policy.failureThreshold);
  }

  /**
   * The state after one round.
   *
   * @param outcomes check name to whether it passed in this round (checks missing from a round keep no counts)
   * @param time when the round finished
   */
  public GateState record(Map<String, Boolean> outcomes, Instant time) {
    Objects.requireNonNull(time, "time");
    boolean roundPassed = !outcomes.isEmpty() && outcomes.values().stream().allMatch(Boolean.TRUE::equals);
    Map<String, Counts> nextChecks = new LinkedHashMap<>();
    outcomes.forEach((name, passed) ->
        nextChecks.put(name, checks.getOrDefault(name, Counts.ZERO).next(Boolean.TRUE.equals(passed))));
    int successes = roundPassed ? consecutiveSuccesses + 1 : 0;
    int failures = roundPassed ? 0 : consecutiveFailures + 1;
    Gate nextGate = gate;
    Instant transition = lastTransitionTime;
    Instant thresholdReached = failureThresholdReachedAt;
    if (successes >= successThreshold && gate != Gate.OPEN) {
      nextGate = Gate.OPEN;
      transition = time;
      thresholdReached = null;
    } else if (failures >= failureThreshold && gate != Gate.CLOSED) {
      nextGate = Gate.CLOSED;
      transition = time;
    }
    if (failures == failureThreshold) {
      thresholdReached = time;
    }
    return new GateState(successThreshold, failureThreshold, nextGate, successes, failures,
        Collections.unmodifiableMap(nextChecks), rounds + 1, transition, thresholdReached);
  }

  public Gate gate() {
    return gate;
  }

  public boolean isOpen() {
    return gate == Gate.OPEN;
  }

  public boolean isClosed() {
    return gate == Gate.CLOSED;
  }

  public boolean isUnknown() {
    return gate == Gate.UNKNOWN;
  }

  public int successThreshold() {
    return successThreshold;
  }

  public int failureThreshold() {
    return failureThreshold;
  }

  /** Consecutive passing rounds. */
  public int consecutiveSuccesses() {
    return consecutiveSuccesses;
  }

  /** Consecutive failing rounds. */
  public int consecutiveFailures() {
    return consecutiveFailures;
  }

  /** Consecutive counts per check, in the order of the last round. */
  public Map<String, Counts> checks() {
    return checks;
  }

  /** Consecutive counts of one check (zero when it never ran). */
  public Counts check(String name) {
    return checks.getOrDefault(name, Counts.ZERO);
  }

  /** Rounds recorded so far. */
  public long rounds() {
    return rounds;
  }

  /** When the gate last became Open or Closed. */
  public Optional<Instant> lastTransitionTime() {
    return Optional.ofNullable(lastTransitionTime);
  }

  /**
   * When consecutive failing rounds last reached the failure threshold; cleared when the gate opens. The start of
   * "time from failure threshold to revert".
   */
  public Optional<Instant> failureThresholdReachedAt() {
    return Optional.ofNullable(failureThresholdReachedAt);
  }

  @Override
  public String toString() {
    return "GateState{" + gate + ", rounds=" + rounds + ", successes=" + consecutiveSuccesses + "/" + successThreshold
        + ", failures=" + consecutiveFailures + "/" + failureThreshold + ", checks=" + checks + "}";
  }
}
