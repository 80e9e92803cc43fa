package dev.turnout.healthpolicy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.turnout.healthpolicy.HealthPolicyStatus.CheckResult;
import dev.turnout.healthpolicy.HealthPolicyStatus.ReleaseResults;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PolicyResultsTest {
  static ReleaseResults release(String service, boolean passed, String message, int successes, int failures, String time, long latency) {
    CheckResult c = new CheckResult();
    c.name = "api";
    c.passed = passed;
    c.message = message;
    c.consecutiveSuccesses = successes;
    c.consecutiveFailures = failures;
    c.time = time;
    c.latencyMillis = latency;
    ReleaseResults r = new ReleaseResults();
    r.release = "backend";
    r.service = service;
    r.gate = passed ? "Open" : "Closed";
    r.checks.add(c);
    return r;
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    // case,                          service,         passed, message,   succ, fail, kept time and latency
    "'ran again, same result',        backend,         true,   '200',     3,    0,    true",
    "'outcome changed',               backend,         false,  '503',     0,    1,    false",
    "'message changed',               backend,         true,   '200 (2)', 3,    0,    false",
    "'count changed below the cap',   backend,         true,   '200',     2,    0,    false",
    "'other Service (after switch)',  backend-preview, true,   '200',     3,    0,    false",
  })
  void aCheckThatOnlyRanAgainKeepsItsPreviousTimeAndLatency(
      String name, String service, boolean passed, String message, int successes, int failures, boolean kept) {
    List<ReleaseResults> previous = List.of(release("backend", true, "200", 3, 0, "2025-01-01T00:00:00Z", 5));
    List<ReleaseResults> fresh = List.of(release(service, passed, message, successes, failures, "2025-01-01T00:00:10Z", 9));
    CheckResult out = PolicyResults.keepUnchanged(previous, fresh).get(0).checks.get(0);
    assertThat(out.time).isEqualTo(kept ? "2025-01-01T00:00:00Z" : "2025-01-01T00:00:10Z");
    assertThat(out.latencyMillis).isEqualTo(kept ? 5L : 9L);
    assertThat(out.passed).isEqualTo(passed);
    assertThat(out.message).isEqualTo(message);
    assertThat(fresh.get(0).checks.get(0).time).as("input unchanged").isEqualTo("2025-01-01T00:00:10Z");
  }

  @ParameterizedTest(name = "{0} of threshold {1} -> {2}")
  @CsvSource({"0, 3, 0", "2, 3, 2", "3, 3, 3", "57, 3, 3", "5, 0, 1"})
  void countsAreCappedAtTheThreshold(int count, int threshold, int expected) {
    assertThat(PolicyResults.capped(count, threshold)).isEqualTo(expected);
  }

  @org.junit.jupiter.api.Test
  void noPreviousStatusKeepsTheFreshValues() {
    List<ReleaseResults> fresh = List.of(release("backend", true, "200", 3, 0, "t1", 7));
    assertThat(PolicyResults.keepUnchanged(null, fresh).get(0).checks.get(0).time).isEqualTo("t1");
  }
}
