package dev.turnout.backup.retention;

import static org.assertj.core.api.Assertions.assertThat;

import dev.turnout.backup.retention.Retention.Backup;
import dev.turnout.backup.retention.Retention.Decision;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class RetentionTest {
  static final ZoneId UTC = ZoneOffset.UTC;
  static final ZoneId PARIS = ZoneId.of("Europe/Paris");

  /** One backup per day of 2025 at 03:00 UTC, named by its date. */
  static List<Backup> yearOfDailyBackups(Set<LocalDate> unverified) {
    List<Backup> out = new ArrayList<>();
    for (LocalDate d = LocalDate.of(2025, 1, 1); d.getYear() == 2025; d = d.plusDays(1)) {
      out.add(new Backup(d.toString(), d.atTime(3, 0).toInstant(ZoneOffset.UTC), !unverified.contains(d)));
    }
    return out;
  }

  static Set<String> ids(List<Backup> bs) {
    return bs.stream().map(Backup::id).collect(Collectors.toCollection(TreeSet::new));
  }

  static Set<String> dates(String... ds) {
    return new TreeSet<>(List.of(ds));
  }

  @Test
  void aYearOfDailyBackupsKeeps7Daily4Weekly12Monthly() {
    Instant now = Instant.parse("2025-12-31T12:00:00Z"); // a Wednesday
    Decision d = Retention.decide(yearOfDailyBackups(Set.of()), UTC, 7, 4, 12, now);

    Set<String> expected = new TreeSet<>();
    // daily: the last 7 days
    expected.addAll(dates("2025-12-25", "2025-12-26", "2025-12-27", "2025-12-28", "2025-12-29", "2025-12-30", "2025-12-31"));
    // weekly: newest of each of the last 4 ISO weeks: 2026-W01 (Mon 29 Dec..) -> 31 Dec; then the Sundays
    expected.addAll(dates("2025-12-31", "2025-12-28", "2025-12-21", "2025-12-14"));
    // monthly: last day of each month of 2025 (31 Dec for December)
    expected.addAll(
        dates("2025-01-31", "2025-02-28", "2025-03-31", "2025-04-30", "2025-05-31", "2025-06-30", "2025-07-31",
            "2025-08-31", "2025-09-30", "2025-10-31", "2025-11-30", "2025-12-31"));

    assertThat(ids(d.keep())).isEqualTo(expected);
    assertThat(d.keep()).hasSize(20); // 7 days + 21 and 14 Dec + 11 month ends
    assertThat(d.prune()).hasSize(365 - 20);
    assertThat(ids(d.prune())).doesNotContainAnyElementsOf(expected);
    assertThat(d.reasons().get("2025-12-31")).contains("newest-verified", "daily", "weekly", "monthly");
    assertThat(d.keep().get(0).id()).isEqualTo("2025-12-31"); // newest first
  }

  @Test
  void unverifiedBackupsFillNoSlotAndOldOnesArePruned() {
    Instant now = Instant.parse("2025-12-31T12:00:00Z");
    Set<LocalDate> unverified = Set.of(LocalDate.of(2025, 12, 30), LocalDate.of(2025, 11, 30), LocalDate.of(2025, 12, 28));
    Decision d = Retention.decide(yearOfDailyBackups(unverified), UTC, 7, 4, 12, now);
    Set<String> expected = new TreeSet<>();
    // the last 7 days that have a verified backup (30 and 28 Dec do not)
    expected.addAll(dates("2025-12-31", "2025-12-29", "2025-12-27", "2025-12-26", "2025-12-25", "2025-12-24", "2025-12-23"));
    // weeks: W01 -> 31 Dec; W52 (22-28 Dec) newest verified is 27 Dec; then 21 Dec, 14 Dec
    expected.addAll(dates("2025-12-31", "2025-12-27", "2025-12-21", "2025-12-14"));
    // months: November's newest verified is 29 Nov
    expected.addAll(
        dates("2025-01-31", "2025-02-28", "2025-03-31", "2025-04-30", "2025-05-31", "2025-06-30", "2025-07-31",
            "2025-08-31", "2025-09-30", "2025-10-31", "2025-11-29", "2025-12-31"));
    assertThat(ids(d.keep())).isEqualTo(expected);
    assertThat(ids(d.prune())).contains("2025-12-30", "2025-12-28", "2025-11-30");
  }

  @Test
  void newestVerifiedIsNeverPrunedAndNewerUnverifiedWait() {
    Instant now = Instant.parse("2025-06-10T12:00:00Z");
    List<Backup> bs =
        List.of(
            new Backup("a", Instant.parse("2025-06-01T03:00:00Z"), true),
            new Backup("b", Instant.parse("2025-06-02T03:00:00Z"), true),
            new Backup("c", Instant.parse("2025-06-03T03:00:00Z"), false),
            new Backup("d", Instant.parse("2025-06-10T03:00:00Z"), false),
            new Backup("future", Instant.parse("2025-06-11T03:00:00Z"), true));
    Decision d = Retention.decide(bs, UTC, 0, 0, 0, now);
    assertThat(ids(d.keep())).containsExactly("b", "c", "d", "future");
    assertThat(ids(d.prune())).containsExactly("a");
    assertThat(d.reasons().get("b")).containsExactly("newest-verified");
    assertThat(d.reasons().get("d")).containsExactly("awaiting-verification");
  }

  @Test
  void withoutAnyVerifiedBackupNothingIsPruned() {
    List<Backup> bs = yearOfDailyBackups(Set.of()).stream().map(b -> new Backup(b.id(), b.time(), false)).toList();
    Decision d = Retention.decide(bs, UTC, 1, 1, 1, Instant.parse("2026-01-01T00:00:00Z"));
    assertThat(d.prune()).isEmpty();
    assertThat(d.keep()).hasSize(365);
  }

  @Test
  void daysAreDaysInTheZoneAcrossTheSpringDstSwitch() {
    // Paris switches to CEST on 2025-03-30 at 02:00 local (01:00 UTC)
    List<Backup> bs =
        List.of(
            new Backup("29th-23:00-paris", Instant.parse("2025-03-29T22:00:00Z"), true),
            new Backup("30th-00:30-paris", Instant.parse("2025-03-29T23:30:00Z"), true), // next day in Paris
            new Backup("30th-23:30-paris", Instant.parse("2025-03-30T21:30:00Z"), true), // CEST, still the 30th
            new Backup("31st-00:30-paris", Instant.parse("2025-03-30T22:30:00Z"), true));
    Instant now = Instant.parse("2025-03-31T10:00:00Z");
    Decision paris = Retention.decide(bs, PARIS, 3, 0, 0, now);
    assertThat(ids(paris.keep())).containsExactlyInAnyOrder("29th-23:00-paris", "30th-23:30-paris", "31st-00:30-paris");
    assertThat(ids(paris.prune())).containsExactly("30th-00:30-paris");

    // the same backups in UTC: 29th has 22:00 and 23:30, 30th has 21:30 and 22:30
    Decision utc = Retention.decide(bs, UTC, 3, 0, 0, now);
    assertThat(ids(utc.keep())).containsExactlyInAnyOrder("30th-00:30-paris", "31st-00:30-paris");
  }

  @Test
  void monthsAndWeeksAreInTheZone() {
    // 2025-10-31T23:30Z is 1 November 00:30 in Paris (CET after 26 October); also a new ISO week? no: Sat 1 Nov, W44
    List<Backup> bs =
        List.of(
            new Backup("oct", Instant.parse("2025-10-31T22:30:00Z"), true),
            new Backup("nov", Instant.parse("2025-10-31T23:30:00Z"), true));
    Instant now = Instant.parse("2025-11-02T00:00:00Z");
    assertThat(ids(Retention.decide(bs, PARIS, 0, 0, 2, now).keep())).containsExactlyInAnyOrder("oct", "nov");
    assertThat(ids(Retention.decide(bs, UTC, 0, 0, 2, now).keep())).containsExactly("nov");

    // Sunday 2025-11-02T23:30Z is Monday 3 Nov in Paris: a new ISO week there, the same week in UTC
    List<Backup> w =
        List.of(
            new Backup("sun", Instant.parse("2025-11-02T12:00:00Z"), true),
            new Backup("mon-in-paris", Instant.parse("2025-11-02T23:30:00Z"), true));
    Instant later = Instant.parse("2025-11-04T00:00:00Z");
    assertThat(ids(Retention.decide(w, PARIS, 0, 2, 0, later).keep())).containsExactlyInAnyOrder("sun", "mon-in-paris");
    assertThat(ids(Retention.decide(w, UTC, 0, 2, 0, later).keep())).containsExactly("mon-in-paris");
  }
}
