package dev.turnout.healthpolicy.probe;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** All checks of a policy run once, in parallel, against one target; passes when every check passed. */
public record RoundResult(Instant time, List<CheckResult> results) {
  public RoundResult {
    results = List.copyOf(results);
  }

  public boolean passed() {
    return !results.isEmpty() && results.stream().allMatch(CheckResult::passed);
  }

  /** Check name to whether it passed, in policy order (the input of {@link dev.turnout.healthpolicy.GateState}). */
  public Map<String, Boolean> outcomes() {
    Map<String, Boolean> m = new LinkedHashMap<>();
    results.forEach(r -> m.put(r.name(), r.passed()));
    return m;
  }
}
