package dev.turnout.healthpolicy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The per-pod decision of a readiness gate (item 10): a pod's rounds, counted on that pod alone, with the policy's
 * thresholds, decide its condition as a Kubernetes readiness probe would: a new pod must pass successThreshold rounds
 * before it is let in, an already-True pod must fail failureThreshold rounds before it is dropped, and while the count
 * is short either way the condition stays as it is.
 */
class PodGateTest {
  static final Instant T = Instant.parse("2026-11-20T03:00:00Z");

  /** The state after rounds written as a string: 'p' passed, 'f' failed, oldest first. */
  static GateState rounds(int successThreshold, int failureThreshold, String rounds) {
    GateState g = GateState.initial(successThreshold, failureThreshold);
    for (char c : rounds.toCharArray()) {
      g = g.record(Map.of("api", c == 'p'), T);
    }
    return g;
  }

  static PodCondition condition(String status, String reason) {
    return status == null ? null : new PodConditionBuilder().withType("turnout.dev/deep-health").withStatus(status)
        .withReason(reason).build();
  }

  /** thresholds (success, failure), rounds, dryRun, current (status, reason), expected write (status/reason or none). */
  static Stream<Arguments> cases() {
    return Stream.of(
        // a new pod (no condition): held back until it passed successThreshold rounds
        row("new pod, no round yet", 3, 2, "", false, null, null, "none"),
        row("new pod, 2 of 3 passing rounds", 3, 2, "pp", false, null, null, "none"),
        row("new pod, 3 of 3 passing rounds: True", 3, 2, "ppp", false, null, null, "True/HealthChecksPassed"),
        row("new pod, 1 of 2 failing rounds: no write, absent holds it back", 3, 2, "f", false, null, null, "none"),
        row("new pod, 2 of 2 failing rounds: False says why", 3, 2, "ff", false, null, null, "False/HealthChecksFailed"),
        row("new pod, passes then fails once: still nothing", 3, 2, "ppf", false, null, null, "none"),
        // an already-True pod: dropped only after failureThreshold failing rounds in a row
        row("True pod, 1 of 2 failing rounds: stays True", 1, 2, "pf", false, "True", "HealthChecksPassed", "none"),
        row("True pod, 2 of 3 failing rounds: stays True", 1, 3, "pff", false, "True", "HealthChecksPassed", "none"),
        row("True pod, 3 of 3 failing rounds: False", 1, 3, "pfff", false, "True", "HealthChecksPassed", "False/HealthChecksFailed"),
        row("True pod, failures not in a row: stays True", 1, 2, "pfpfpf", false, "True", "HealthChecksPassed", "none"),
        row("True pod, keeps passing: no write", 1, 2, "pppp", false, "True", "HealthChecksPassed", "none"),
        // a False pod: back only after successThreshold passing rounds in a row
        row("False pod, 1 of 2 passing rounds: stays False", 2, 1, "fp", false, "False", "HealthChecksFailed", "none"),
        row("False pod, 2 of 2 passing rounds: True", 2, 1, "fpp", false, "False", "HealthChecksFailed", "True/HealthChecksPassed"),
        row("False pod, keeps failing: no write", 2, 1, "fff", false, "False", "HealthChecksFailed", "none"),
        // state lost (operator restart, policy changed): the condition stays until the thresholds say otherwise
        row("True pod, state restarted, 1 failing round", 3, 2, "f", false, "True", "HealthChecksPassed", "none"),
        row("False pod, state restarted, 2 passing rounds", 3, 2, "pp", false, "False", "HealthChecksFailed", "none"),
        // someone else's True with another reason is ours to correct once the state is known
        row("True set by another reason, failing", 1, 2, "ff", false, "True", "DryRun", "False/HealthChecksFailed"),
        // dry run never holds a pod back
        row("dry run, new pod, no round yet", 3, 2, "", true, null, null, "True/DryRun"),
        row("dry run, new pod, failing", 3, 2, "ff", true, null, null, "True/DryRunWouldFail"),
        row("dry run, True pod, state unknown: no write", 3, 2, "f", true, "True", "HealthChecksPassed", "none"),
        row("dry run, True pod, failing", 3, 2, "ff", true, "True", "HealthChecksPassed", "True/DryRunWouldFail"),
        row("dry run, would-fail pod passes again", 1, 2, "ffp", true, "True", "DryRunWouldFail", "True/HealthChecksPassed"),
        row("dry run, False pod (policy switched to dry run)", 3, 2, "", true, "False", "HealthChecksFailed", "True/DryRun"));
  }

  static Arguments row(String name, int success, int failure, String rounds, boolean dryRun, String status, String reason,
      String expected) {
    return Arguments.of(name, success, failure, rounds, dryRun, status, reason, expected);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void aPodsConditionFollowsItsOwnRoundsAndThresholds(String name, int success, int failure, String rounds, boolean dryRun,
      String status, String reason, String expected) {
    Optional<PodGate.Verdict> v = PodGate.decide(rounds(success, failure, rounds), dryRun, condition(status, reason),
        "api: GET /api/v1/health on 10.244.0.7:8000: 503 (expected 200)");
    assertThat(v.map(x -> x.statusText() + "/" + x.reason()).orElse("none")).as(name).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void aFalseConditionSaysHowManyRoundsFailedAndWhat(String name, int success, int failure, String rounds, boolean dryRun,
      String status, String reason, String expected) {
    Optional<PodGate.Verdict> v = PodGate.decide(rounds(success, failure, rounds), dryRun, condition(status, reason),
        "api: GET /api/v1/health on 10.244.0.7:8000: 503 (expected 200)");
    v.filter(x -> x.reason().equals(PodGate.FAILED) || x.reason().equals(PodGate.DRY_RUN_WOULD_FAIL))
        .ifPresent(x -> assertThat(x.message()).as(name)
            .contains("failed " + failure + " round(s) in a row on this pod: api: GET /api/v1/health on 10.244.0.7:8000: 503"));
  }
}
