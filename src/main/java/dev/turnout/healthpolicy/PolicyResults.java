package dev.turnout.healthpolicy;

import dev.turnout.healthpolicy.HealthPolicyStatus.CheckResult;
import dev.turnout.healthpolicy.HealthPolicyStatus.ReleaseResults;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What of the probe results goes into a HealthPolicy's status (pure). Status is written only when its content changes,
 * and a check that ran again with the same outcome is not a change: its {@code time} and {@code latencyMillis} differ on
 * every run, and its consecutive counts grow on every run. So the counts are capped at the thresholds that decide the
 * gate (beyond them they change nothing), and a check whose outcome, message and capped counts are the same as in the
 * previous status keeps the previous time and latency. Without this, the periodic refresh wrote status every time.
 */
final class PolicyResults {
  private PolicyResults() {}

  /** Consecutive runs counted up to {@code threshold}: more would change nothing and make a write per round. */
  static int capped(int count, int threshold) {
    return Math.min(count, Math.max(1, threshold));
  }

  /**
   * {@code fresh} with, for each check whose result is the same as in {@code previous} (same release, Service and
   * check name), the previous {@code time} and {@code latencyMillis}. Returns new objects; the inputs are not changed.
   */
  static List<ReleaseResults> keepUnchanged(List<ReleaseResults> previous, List<ReleaseResults> fresh) {
    List<ReleaseResults> out = new ArrayList<>();
    for (ReleaseResults r : fresh) {
      Optional<ReleaseResults> old = previous == null ? Optional.empty()
          : previous.stream().filter(p -> Objects.equals(p.release, r.release) && Objects.equals(p.service, r.service)).findFirst();
      ReleaseResults copy = new ReleaseResults();
      copy.release = r.release;
      copy.service = r.service;
      copy.gate = r.gate;
      for (CheckResult c : r.checks) {
        Optional<CheckResult> oldCheck = old.flatMap(o -> o.checks.stream().filter(p -> Objects.equals(p.name, c.name)).findFirst());
        CheckResult k = copyOf(c);
        if (oldCheck.isPresent() && sameResult(oldCheck.get(), c)) {
          k.time = oldCheck.get().time;
          k.latencyMillis = oldCheck.get().latencyMillis;
        }
        copy.checks.add(k);
      }
      out.add(copy);
    }
    return out;
  }

  /** Same outcome, message and counts: the check only ran again. */
  static boolean sameResult(CheckResult a, CheckResult b) {
    return Objects.equals(a.passed, b.passed) && Objects.equals(a.message, b.message)
        && Objects.equals(a.consecutiveSuccesses, b.consecutiveSuccesses)
        && Objects.equals(a.consecutiveFailures, b.consecutiveFailures);
  }

  private static CheckResult copyOf(CheckResult c) {
    CheckResult k = new CheckResult();
    k.name = c.name;
    k.passed = c.passed;
    k.message = c.message;
    k.latencyMillis = c.latencyMillis;
    k.time = c.time;
    k.consecutiveSuccesses = c.consecutiveSuccesses;
    k.consecutiveFailures = c.consecutiveFailures;
    return k;
  }
}
