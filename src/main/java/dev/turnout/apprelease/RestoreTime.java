package dev.turnout.apprelease;

import dev.turnout.apprelease.AppReleaseStatusAggregator.Outcome;
import dev.turnout.common.Times;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Time to restore (DORA) of a promotion, derived from status.history alone so that it survives operator restarts: the
 * time from the first incident (a revision that failed before its switch, or was rolled back after it) since the last
 * promotion before this one, to this promotion. No incident since the last promotion: no value. Records without
 * {@code outcomeAt} (written before it existed) are not incidents.
 */
final class RestoreTime {
  private RestoreTime() {}

  private record Mark(Instant at, boolean incident) {}

  /** The time to restore that the promotion of {@code promoted} at {@code now} closes, or null. */
  static Duration of(List<RevisionRecord> history, Long promoted, Instant now) {
    List<Mark> marks = new ArrayList<>();
    for (RevisionRecord r : history) {
      if (r.revision == null || r.revision.equals(promoted)) {
        continue;
      }
      Instant promotedAt = Times.parse(r.promotedAt);
      if (promotedAt != null) {
        marks.add(new Mark(promotedAt, false));
      }
      Instant outcomeAt = Times.parse(r.outcomeAt);
      if (outcomeAt != null && (Outcome.Failed.name().equals(r.outcome) || Outcome.RolledBack.name().equals(r.outcome))) {
        marks.add(new Mark(outcomeAt, true));
      }
    }
    // newest first; within one second (status times have second precision) an incident comes after a promotion:
    // a revision is rolled back after its own switch, and fails after the promotion before it
    marks.sort(Comparator.comparing(Mark::at).thenComparing(Mark::incident).reversed());
    Instant first = null;
    for (Mark m : marks) {
      if (!m.incident()) {
        break;
      }
      first = m.at();
    }
    return first == null || first.isAfter(now) ? null : Duration.between(first, now);
  }
}
