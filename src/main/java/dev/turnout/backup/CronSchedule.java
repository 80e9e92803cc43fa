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

  /**
   * The first time strictly after {@code after} at which the schedule fires in {@code zone}, as the CronJob
   * controller (robfig/cron) computes it: when both day fields are restricted (neither is {@code *} or {@code ?}),
   * a day matches if either matches, otherwise both must. Local times skipped by a daylight-saving gap are not
   * fired. Empty for an invalid schedule or one that never fires within 5 years (e.g. 30 February).
   */
  public static Optional<java.time.Instant> next(String schedule, java.time.ZoneId zone, java.time.Instant after) {
    if (validate(schedule).isPresent()) {
      return Optional.empty();
    }
    String s = schedule.trim();
    s = switch (s) {
      case "@yearly", "@annually" -> "0 0 1 1 *";
      case "@monthly" -> "0 0 1 * *";
      case "@weekly" -> "0 0 * * 0";
      case "@daily", "@midnight" -> "0 0 * * *";
      case "@hourly" -> "0 * * * *";
      default -> s;
    };
    String[] parts = s.split("\\s+");
    java.util.BitSet[] bits = new java.util.BitSet[5];
    for (int i = 0; i < 5; i++) {
      bits[i] = bits(parts[i], i);
    }
    if (bits[4].get(7)) {
      bits[4].set(0);
    }
    boolean domStar = isStar(parts[2]);
    boolean dowStar = isStar(parts[4]);
    java.time.ZonedDateTime start =
        after.atZone(zone).truncatedTo(java.time.temporal.ChronoUnit.MINUTES).plusMinutes(1);
    java.time.LocalDate day = start.toLocalDate();
    for (int d = 0; d < 366 * 5; d++, day = day.plusDays(1)) {
      if (!bits[3].get(day.getMonthValue())) {
        continue;
      }
      boolean dom = bits[2].get(day.getDayOfMonth());
      boolean dow = bits[4].get(day.getDayOfWeek().getValue() % 7);
      if (!(domStar || dowStar ? dom && dow : dom || dow)) {
        continue;
      }
      for (int h = bits[1].nextSetBit(0); h >= 0; h = bits[1].nextSetBit(h + 1)) {
        for (int m = bits[0].nextSetBit(0); m >= 0; m = bits[0].nextSetBit(m + 1)) {
          java.time.LocalDateTime local = day.atTime(h, m);
          if (!zone.getRules().isValidOffset(local, zone.getRules().getOffset(local))
              || zone.getRules().getValidOffsets(local).isEmpty()) {
            continue; // in a daylight-saving gap
          }
          java.time.Instant t = java.time.ZonedDateTime.ofLocal(local, zone, null).toInstant();
          if (!t.isBefore(start.toInstant())) {
            return Optional.of(t);
          }
        }
      }
    }
    return Optional.empty();
  }

  private static boolean isStar(String field) {
    return field.equals("*") || field.equals("?") || field.equals("*/1");
  }

  private static java.util.BitSet bits(String field, int index) {
    java.util.BitSet set = new java.util.BitSet();
    for (String item : field.split(",", -1)) {
      String range = item;
      int step = 1;
      if (item.contains("/")) {
        String[] st = item.split("/", -1);
        range = st[0];
        step = Integer.parseInt(st[1]);
      }
      int lo;
      int hi;
      if (range.equals("*") || range.equals("?")) {
        lo = RANGES[index][0];
        hi = RANGES[index][1];
      } else {
        String[] b = range.split("-", -1);
        lo = value(b[0], index);
        hi = b.length == 2 ? value(b[1], index) : (item.contains("/") ? RANGES[index][1] : lo);
      }
      for (int v = lo; v <= hi; v += step) {
        set.set(v);
      }
    }
    return set;
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
