package dev.turnout.healthpolicy.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SuccessConditionTest {
  @Test
  void parsesEveryOperator() {
    assertThat(SuccessCondition.parse("result < 0.05").test(0.04)).isTrue();
    assertThat(SuccessCondition.parse("result < 0.05").test(0.05)).isFalse();
    assertThat(SuccessCondition.parse("result<=0.05").test(0.05)).isTrue();
    assertThat(SuccessCondition.parse("result > 10").test(11)).isTrue();
    assertThat(SuccessCondition.parse("result >= 10").test(9.99)).isFalse();
    assertThat(SuccessCondition.parse("result == 1").test(1.0)).isTrue();
    assertThat(SuccessCondition.parse("result != 0").test(0)).isFalse();
    assertThat(SuccessCondition.parse("  result  >  -1.5e-3 ").test(0)).isTrue();
    assertThat(SuccessCondition.parse("result < 1e3").threshold()).isEqualTo(1000.0);
  }

  @Test
  void textIsNormalised() {
    assertThat(SuccessCondition.parse("result<0.05").toString()).isEqualTo("result < 0.05");
  }

  @Test
  void nanOnlySatisfiesNotEqual() {
    assertThat(SuccessCondition.parse("result < 1").test(Double.NaN)).isFalse();
    assertThat(SuccessCondition.parse("result != 1").test(Double.NaN)).isTrue();
  }

  @Test
  void rejectsOtherSyntax() {
    assertThatThrownBy(() -> SuccessCondition.parse("value < 1")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is not of the form 'result <op> number'");
    assertThatThrownBy(() -> SuccessCondition.parse("result =< 1")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SuccessCondition.parse("result < abc")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SuccessCondition.parse(null)).isInstanceOf(IllegalArgumentException.class);
  }
}
