package dev.turnout.backup;

import java.util.Map;
import java.util.Optional;

/**
 * Validates a cron schedule as the CronJob controller reads it: five fields (minute, hour, day of month,
 * month, day of week) with numbers, ranges, steps, lists and names, or a macro such as @daily.
 */
public final class CronSchedule {
  private static final String[] FIELDS = {"minute", "hour", "day of month", "month", "day of week"};
  private static final int[][] RANGES = {{0, 59}, {0, 23}, {1, 31}, {1, 12}, {0, 7}};
  private static final Map<String, Integer> MONTHS =
      Map.ofEntries(Map.entry("JAN", 1), Map.entry("FEB", 2), Map.entry("MAR", 3), Map.entry("APR", 4), Map.entry("MAY", 5),
          Map.entry("JUN", 6), Map.entry("JUL", 7), Map.entry("AUG", 8), Map.entry("SEP", 9), Map.entry("OCT", 10),
          Map.entry("NOV", 11), Map.entry("DEC", 12));
  private static final Map<String, Integer> DAYS =
      Map.of("SUN", 0, "MON", 1, "TUE", 2, "WED", 3, "THU", 4, "FRI", 5, "SAT", 6);

  private CronSchedule() {}

  /** A problem description, or empty when the schedule is valid. */
  public static Optional<String> validate(String schedule) {
    if (schedule == null || schedule.isBlank()) {
      return Optional.of("a schedule is required");
    }
    String s = schedule.trim();
    if (s.startsWith("@")) {
      return s.matches("@(yearly|annually|monthly|weekly|daily|midnight|hourly)")
          ? Optional.empty()
          : Optional.of("unknown macro " + s + " (use @yearly, @monthly, @weekly, @daily or @hourly)");
    }
    if (s.startsWith("TZ=") || s.startsWith("CRON_TZ=")) {
      return Optional.of("set the time zone in spec.timeZone, not in the schedule");
    }
    String[] parts = s.split("\\s+");
    if (parts.length != 5) {
      return Optional.of("expected 5 fields (minute hour day-of-month month day-of-week), got " + parts.length + " in \"" + s + "\"");
    }
    for (int i = 0; i < 5; i++) {
      Optional<String> p = field(parts[i], i);
      if (p.isPresent()) {
        return Optional.of(FIELDS[i] + " field \"" + parts[i] + "\": " + p.get());
      }
    }
    return Optional.empty();
  }

  private static Optional<String> field(String field, int index) {
    for (String item : field.split(",", -1)) {
      String range = item;
      if (item.contains("/")) {
        String[] st = item.split("/", -1);
        if (st.length != 2 || !st[1].matches("\\d+") || Integer.parseInt(st[1]) == 0) {
          return Optional.of("bad step in " + item);
        }
        range = st[0];
      }
      if (range.equals("*") || range.equals("?")) {
        continue;
      }
      String[] bounds = range.split("-", -1);
      if (bounds.length > 2) {
        return Optional.of("bad range " + range);
      }
      for (String b : bounds) {
        Integer v = value(b, index);
        if (v == null) {
          return Optional.of("not a number or name: " + b);
        }
        if (v < RANGES[index][0] || v > RANGES[index][1]) {
          return Optional.of(v + " out of range " + RANGES[index][0] + "-" + RANGES[index][1]);
        }
      }
    }
    return Optional.empty();
  }

  private static Integer value(String s, int index) {
    if (s.matches("\\d+")) {
      return Integer.parseInt(s);
    }
    String u = s.toUpperCase(java.util.Locale.ROOT);
    if (index == 3) {
      return MONTHS.get(u);
    }
    if (index == 4) {
      return DAYS.get(u);
    }
    return null;
  }
}
