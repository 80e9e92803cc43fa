package dev.turnout.apprelease;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RestoreTimeTest {
  static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

  static RevisionRecord rec(long revision, String outcome, Integer promotedMin, Integer outcomeMin) {
    RevisionRecord r = new RevisionRecord();
    r.revision = revision;
    r.outcome = outcome;
    r.promotedAt = promotedMin == null ? null : T0.plusSeconds(60L * promotedMin).toString();
    r.outcomeAt = outcomeMin == null ? null : T0.plusSeconds(60L * outcomeMin).toString();
    return r;
  }

  /** History newest first, as in status, with the revision being promoted on top (its own times not set yet). */
  static List<RevisionRecord> history(RevisionRecord... olderFirst) {
    List<RevisionRecord> h = new ArrayList<>(List.of(olderFirst));
    java.util.Collections.reverse(h);
    return h;
  }

  static Duration at(List<RevisionRecord> history, long promoted, int minute) {
    return RestoreTime.of(history, promoted, T0.plusSeconds(60L * minute));
  }

  @Test
  void noIncidentSinceTheLastPromotionGivesNothing() {
    assertThat(at(history(rec(1, "Promoted", 0, null), rec(2, "Pending", null, null)), 2, 30)).isNull();
    assertThat(at(history(rec(1, "Pending", null, null)), 1, 5)).as("first release").isNull();
    assertThat(at(history(rec(1, "Promoted", 0, null), rec(2, "Superseded", null, null), rec(3, "Pending", null, null)), 3, 9))
        .as("a superseded revision is not an incident").isNull();
  }

  @Test
  void rollbackToNextPromotion() {
    // 1 live at 0, 2 promoted at 10 and rolled back at 12, 3 promoted at 40: restored after 28 minutes
    assertThat(at(history(rec(1, "Promoted", 0, null), rec(2, "RolledBack", 10, 12), rec(3, "Pending", null, null)), 3, 40))
        .isEqualTo(Duration.ofMinutes(28));
  }

  @Test
  void aRollbackInTheSecondOfItsSwitchIsStillAnIncident() {
    // times have second precision: promoted and rolled back at minute 10 both
    assertThat(at(history(rec(1, "Promoted", 0, null), rec(2, "RolledBack", 10, 10), rec(3, "Pending", null, null)), 3, 20))
        .isEqualTo(Duration.ofMinutes(10));
  }

  @Test
  void failureBeforeTheSwitchCountsFromWhenItFailed() {
    assertThat(at(history(rec(1, "Promoted", 0, null), rec(2, "Failed", null, 20), rec(3, "Pending", null, null)), 3, 25))
        .isEqualTo(Duration.ofMinutes(5));
  }

  @Test
  void severalIncidentsInARowCountFromTheFirst() {
    // rolled back at 12, the fix failed at 20, the next one promoted at 50
    assertThat(at(history(rec(1, "Promoted", 0, null), rec(2, "RolledBack", 10, 12), rec(3, "Failed", null, 20),
        rec(4, "Pending", null, null)), 4, 50)).isEqualTo(Duration.ofMinutes(38));
  }

  @Test
  void anIncidentClosedByAnEarlierPromotionIsNotCountedAgain() {
    assertThat(at(history(rec(1, "Promoted", 0, null), rec(2, "RolledBack", 10, 12), rec(3, "Promoted", 40, null),
        rec(4, "Pending", null, null)), 4, 60)).isNull();
  }

  @Test
  void recordsWithoutOutcomeTimeAreNotIncidents() {
    // written before outcomeAt existed: no start known, so no figure rather than a wrong one
    assertThat(at(history(rec(1, "Promoted", 0, null), rec(2, "RolledBack", 10, null), rec(3, "Pending", null, null)), 3, 40))
        .isNull();
  }

  @Test
  void thePromotedRevisionItselfIsIgnored() {
    // a switch recovered after a restart: the record already says Promoted with its time
    assertThat(at(history(rec(1, "Promoted", 0, null), rec(2, "Failed", null, 5), rec(3, "Promoted", 30, null)), 3, 30))
        .isEqualTo(Duration.ofMinutes(25));
  }
}
