package dev.turnout.healthpolicy;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GateStateTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private static Map<String, Boolean> round(boolean api, boolean mongo) {
    Map<String, Boolean> m = new LinkedHashMap<>();
    m.put("api", api);
    m.put("mongo", mongo);
    return m;
  }

  @Test
  void startsUnknown() {
    GateState s = GateState.initial(3, 2);
    assertThat(s.gate()).isEqualTo(GateState.Gate.UNKNOWN);
    assertThat(s.isOpen()).isFalse();
    assertThat(s.isClosed()).isFalse();
    assertThat(s.gate().toString()).isEqualTo("Unknown");
    assertThat(s.failureThresholdReachedAt()).isEmpty();
  }

  @Test
  void opensAfterSuccessThresholdConsecutivePassingRounds() {
    GateState s = GateState.initial(3, 2);
    s = s.record(round(true, true), T0);
    s = s.record(round(true, true), T0.plusSeconds(5));
    assertThat(s.gate()).isEqualTo(GateState.Gate.UNKNOWN);
    s = s.record(round(true, true), T0.plusSeconds(10));
    assertThat(s.isOpen()).isTrue();
    assertThat(s.lastTransitionTime()).contains(T0.plusSeconds(10));
    assertThat(s.consecutiveSuccesses()).isEqualTo(3);
    assertThat(s.check("api")).isEqualTo(new GateState.Counts(3, 0));
  }

  @Test
  void aRoundFailsWhenOneCheckFails() {
    GateState s = GateState.initial(1, 1).record(round(true, false), T0);
    assertThat(s.isClosed()).isTrue();
    assertThat(s.check("api")).isEqualTo(new GateState.Counts(1, 0));
    assertThat(s.check("mongo")).isEqualTo(new GateState.Counts(0, 1));
  }

  @Test
  void closesAfterFailureThresholdAndRecordsWhen() {
    GateState s = GateState.initial(1, 2).record(round(true, true), T0);
    assertThat(s.isOpen()).isTrue();
    s = s.record(round(false, true), T0.plusSeconds(5));
    assertThat(s.isOpen()).isTrue();
    assertThat(s.failureThresholdReachedAt()).isEmpty();
    s = s.record(round(false, true), T0.plusSeconds(10));
    assertThat(s.isClosed()).isTrue();
    assertThat(s.failureThresholdReachedAt()).contains(T0.plusSeconds(10));
    // staying closed keeps the time the threshold was reached
    s = s.record(round(false, false), T0.plusSeconds(15));
    assertThat(s.failureThresholdReachedAt()).contains(T0.plusSeconds(10));
    assertThat(s.consecutiveFailures()).isEqualTo(3);
    // reopening clears it
    s = s.record(round(true, true), T0.plusSeconds(20));
    assertThat(s.isOpen()).isTrue();
    assertThat(s.failureThresholdReachedAt()).isEmpty();
  }

  @Test
  void flappingCheckNeverOpensNorCloses() {
    GateState s = GateState.initial(3, 2);
    for (int i = 0; i < 50; i++) {
      s = s.record(round(i % 2 == 0, true), T0.plusSeconds(5L * i));
      assertThat(s.gate()).as("after round %d", i).isEqualTo(GateState.Gate.UNKNOWN);
      assertThat(s.consecutiveSuccesses()).isLessThanOrEqualTo(1);
      assertThat(s.consecutiveFailures()).isLessThanOrEqualTo(1);
    }
    assertThat(s.rounds()).isEqualTo(50);
    assertThat(s.failureThresholdReachedAt()).isEmpty();
  }

  @Test
  void flappingOpenGateStaysOpen() {
    GateState s = GateState.initial(3, 2);
    for (int i = 0; i < 3; i++) {
      s = s.record(round(true, true), T0.plusSeconds(i));
    }
    for (int i = 0; i < 20; i++) {
      s = s.record(round(i % 2 == 1, true), T0.plusSeconds(10 + i));
      assertThat(s.isOpen()).isTrue();
    }
  }

  @Test
  void emptyRoundFails() {
    GateState s = GateState.initial(1, 1).record(Map.of(), T0);
    assertThat(s.isClosed()).isTrue();
  }

  @Test
  void defaultsFromPolicy() {
    GateState s = GateState.initial(new HealthPolicySpec());
    assertThat(s.successThreshold()).isEqualTo(3);
    assertThat(s.failureThreshold()).isEqualTo(2);
  }
}
