package dev.turnout.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConditionsAndStatusPatchTest {
  @Test
  void lastTransitionTimeMovesOnlyWhenStatusChanges() {
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    var c = Conditions.set(List.of(), "Ready", true, "Valid", "ok", 1L, t0);
    var c2 = Conditions.set(c, "Ready", true, "Valid", "still ok", 2L, t0.plusSeconds(60));
    assertThat(c2.get(0).getLastTransitionTime()).isEqualTo("2026-01-01T00:00:00Z");
    assertThat(c2.get(0).getObservedGeneration()).isEqualTo(2L);
    assertThat(c2.get(0).getMessage()).isEqualTo("still ok");
    var c3 = Conditions.set(c2, "Ready", false, "InvalidSpec", "bad", 2L, t0.plusSeconds(120));
    assertThat(c3.get(0).getLastTransitionTime()).isEqualTo("2026-01-01T00:02:00Z");
    assertThat(c3).hasSize(1);
    assertThat(Conditions.isTrue(c3, "Ready")).isFalse();
    assertThat(Conditions.isTrue(Conditions.set(c3, "Other", true, "r", "m", 1L, t0), "Other")).isTrue();
  }
}
