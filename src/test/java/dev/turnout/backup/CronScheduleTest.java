package dev.turnout.backup;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CronScheduleTest {
  @ParameterizedTest
  @ValueSource(strings = {"0 3 * * *", "*/15 * * * *", "0 3 * * MON-FRI", "0 0 1 JAN,JUL *", "5 4 * * 0,7", "@daily", "@hourly", "0 3 1-7 * 1/2"})
  void accepts(String schedule) {
    assertThat(CronSchedule.validate(schedule)).isEmpty();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
    "every day|expected 5 fields",
    "0 25 * * *|hour field \"25\": 25 out of range 0-23",
    "61 * * * *|minute field",
    "0 3 * * FUNDAY|day of week field",
    "@sometimes|unknown macro",
    "CRON_TZ=UTC 0 3 * * *|spec.timeZone",
    "*/0 * * * *|bad step"})
  void rejectsWithAMessageNamingTheField(String schedule, String expected) {
    assertThat(CronSchedule.validate(schedule)).hasValueSatisfying(m -> assertThat(m).contains(expected));
  }
}
