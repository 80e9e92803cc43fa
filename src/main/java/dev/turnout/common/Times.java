package dev.turnout.common;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/** RFC 3339 timestamps at second precision, the format Kubernetes uses in status. */
public final class Times {
  private Times() {}

  public static String format(Instant instant) {
    return instant == null ? null : DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.SECONDS));
  }

  public static Instant parse(String value) {
    return value == null || value.isBlank() ? null : Instant.parse(value);
  }
}
