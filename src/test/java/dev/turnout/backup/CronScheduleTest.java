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

  static java.time.Instant next(String schedule, String zone, String after) {
    return CronSchedule.next(schedule, java.time.ZoneId.of(zone), java.time.Instant.parse(after)).orElseThrow();
  }

  @org.junit.jupiter.api.Test
  void nextFireTimes() {
    org.assertj.core.api.Assertions.assertThat(next("0 3 * * *", "Etc/UTC", "2026-11-20T02:59:59Z")).isEqualTo("2026-11-20T03:00:00Z");
    org.assertj.core.api.Assertions.assertThat(next("0 3 * * *", "Etc/UTC", "2026-11-20T03:00:00Z")).isEqualTo("2026-11-21T03:00:00Z");
    org.assertj.core.api.Assertions.assertThat(next("0 3 * * *", "Europe/Paris", "2026-11-20T12:00:00Z")).isEqualTo("2026-11-21T02:00:00Z");
    org.assertj.core.api.Assertions.assertThat(next("*/15 * * * *", "Etc/UTC", "2026-11-20T10:07:30Z")).isEqualTo("2026-11-20T10:15:00Z");
    org.assertj.core.api.Assertions.assertThat(next("@weekly", "Etc/UTC", "2026-11-20T10:00:00Z")).isEqualTo("2026-11-22T00:00:00Z"); // Sunday
    org.assertj.core.api.Assertions.assertThat(next("0 0 * * 7", "Etc/UTC", "2026-11-20T10:00:00Z")).isEqualTo("2026-11-22T00:00:00Z");
    org.assertj.core.api.Assertions.assertThat(next("30 4 1-7 * MON-FRI", "Etc/UTC", "2026-11-20T10:00:00Z"))
        .as("both day fields restricted: either matches").isEqualTo("2026-11-23T04:30:00Z");
    org.assertj.core.api.Assertions.assertThat(next("30 4 1 * *", "Etc/UTC", "2026-11-20T10:00:00Z")).isEqualTo("2026-12-01T04:30:00Z");
    // 02:30 does not exist in Europe/Paris on 2026-03-29 (clocks go 02:00 -> 03:00): that day is skipped
    org.assertj.core.api.Assertions.assertThat(next("30 2 * * *", "Europe/Paris", "2026-03-28T12:00:00Z")).isEqualTo("2026-03-30T00:30:00Z");
    org.assertj.core.api.Assertions.assertThat(CronSchedule.next("0 0 30 2 *", java.time.ZoneId.of("Etc/UTC"), java.time.Instant.EPOCH)).isEmpty();
  }
}
