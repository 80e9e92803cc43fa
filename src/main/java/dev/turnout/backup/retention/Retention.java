package dev.turnout.backup.retention;

import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.IsoFields;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Grandfather-father-son retention, a pure function.
 *
 * <p>Rule:
 *
 * <ol>
 *   <li>Only verified backups fill slots. For each granularity (day, ISO week, month, all in {@code zone}), the
 *       periods that contain at least one verified backup are taken newest first; the newest verified backup of each
 *       of the first N such periods is kept. One backup may fill a day, a week and a month slot at once.
 *   <li>The newest verified backup is always kept, even when all counts are 0.
 *   <li>Unverified backups newer than the newest verified one are kept (they may still be awaiting verification);
 *       older unverified backups are pruned. With no verified backup at all, nothing is pruned.
 *   <li>Backups after {@code now} (clock skew) are kept and fill no slot.
 *   <li>The caller passes only Turnout backups (the catalog lists only Turnout's key layout); this function never
 *       invents keys, so it cannot touch anything else.
 * </ol>
 */
public final class Retention {
  private Retention() {}

  /** One backup as retention sees it; {@code id} is opaque (the archive key). */
  public record Backup(String id, Instant time, boolean verified) {}

  /** Why a kept backup is kept, and what to prune (both newest first). */
  public record Decision(List<Backup> keep, List<Backup> prune, Map<String, Set<String>> reasons) {}

  public static Decision decide(
      List<Backup> backups, ZoneId zone, int daily, int weekly, int monthly, Instant now) {
    List<Backup> sorted = new ArrayList<>(backups);
    sorted.sort(Comparator.comparing(Backup::time).reversed().thenComparing(Backup::id));
    Map<String, Set<String>> reasons = new LinkedHashMap<>();

    List<Backup> verified =
        sorted.stream().filter(b -> b.verified() && !b.time().isAfter(now)).toList();
    Instant newestVerified = verified.isEmpty() ? null : verified.get(0).time();

    for (Backup b : sorted) {
      if (b.time().isAfter(now)) {
        reason(reasons, b, "in-the-future");
      } else if (!b.verified() && (newestVerified == null || b.time().isAfter(newestVerified))) {
        reason(reasons, b, "awaiting-verification");
      }
    }
    if (!verified.isEmpty()) {
      reason(reasons, verified.get(0), "newest-verified");
    }
    fill(verified, daily, "daily", b -> ZonedDateTime.ofInstant(b.time(), zone).toLocalDate(), reasons);
    fill(
        verified,
        weekly,
        "weekly",
        b -> {
          ZonedDateTime z = ZonedDateTime.ofInstant(b.time(), zone);
          return z.get(IsoFields.WEEK_BASED_YEAR) + "-W" + z.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR);
        },
        reasons);
    fill(verified, monthly, "monthly", b -> YearMonth.from(ZonedDateTime.ofInstant(b.time(), zone)), reasons);

    List<Backup> keep = new ArrayList<>();
    List<Backup> prune = new ArrayList<>();
    for (Backup b : sorted) {
      (reasons.containsKey(b.id()) ? keep : prune).add(b);
    }
    return new Decision(List.copyOf(keep), List.copyOf(prune), reasons);
  }

  /** verified is newest first: the first backup seen in a period is its newest. */
  private static void fill(
      List<Backup> verified, int slots, String name, Function<Backup, Object> period, Map<String, Set<String>> reasons) {
    Set<Object> seen = new LinkedHashSet<>();
    for (Backup b : verified) {
      if (seen.size() >= slots) {
        return;
      }
      if (seen.add(period.apply(b))) {
        reason(reasons, b, name);
      }
    }
  }

  private static void reason(Map<String, Set<String>> reasons, Backup b, String why) {
    reasons.computeIfAbsent(b.id(), k -> new LinkedHashSet<>()).add(why);
  }
}
