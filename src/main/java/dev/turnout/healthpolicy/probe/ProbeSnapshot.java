package dev.turnout.healthpolicy.probe;

import dev.turnout.healthpolicy.GateState;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What the scheduler knows about one registered (release, target) pair: immutable, safe to read from any thread.
 *
 * @param key the registration key
 * @param gate the gate after the last round (Unknown before the first)
 * @param lastResults each check's result in the last round, in policy order (empty before the first round)
 * @param lastRoundTime when the last round finished, null before the first
 */
public record ProbeSnapshot(String key, GateState gate, List<CheckResult> lastResults, Instant lastRoundTime) {
  public ProbeSnapshot {
    lastResults = lastResults == null ? List.of() : List.copyOf(lastResults);
  }

  public Optional<CheckResult> result(String checkName) {
    return lastResults.stream().filter(r -> r.name().equals(checkName)).findFirst();
  }
}
