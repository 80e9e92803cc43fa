package dev.turnout.notify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.turnout.apprelease.AppRelease;
import dev.turnout.apprelease.AppReleaseStatus;
import dev.turnout.apprelease.RevisionRecord;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which status transitions notify, and with which ids. */
class ReleaseNoticesTest {
  static final Instant NOW = Instant.parse("2026-12-02T18:00:00Z");

  static AppRelease release() {
    AppRelease r = new AppRelease();
    r.getMetadata().setName("backend");
    r.getMetadata().setNamespace("shop");
    r.getMetadata().setUid("u1");
    return r;
  }

  static RevisionRecord rec(long revision, String version, String color, String outcome, String promotedAt, String reason) {
    RevisionRecord r = new RevisionRecord();
    r.revision = revision;
    r.version = version;
    r.color = color;
    r.outcome = outcome;
    r.promotedAt = promotedAt;
    r.reason = reason;
    return r;
  }

  /** Revision 1 live on blue since 17:00, revision 2 pending on green. */
  static AppReleaseStatus oneLiveTwoPending() {
    AppReleaseStatus s = new AppReleaseStatus();
    s.activeColor = "blue";
    s.activeRevision = 1L;
    s.currentRevision = 2L;
    s.currentColor = "green";
    s.lastSwitchTime = "2026-12-02T17:00:00Z";
    s.history.add(rec(1, "1.0.0", "blue", "Promoted", "2026-12-02T17:00:00Z", "every gate passed"));
    s.history.add(rec(2, "1.1.0", "green", "Pending", null, null));
    return s;
  }

  static AppReleaseStatus promotedTwo() {
    AppReleaseStatus s = Serialization.clone(oneLiveTwoPending());
    s.previousColor = "blue";
    s.previousRevision = 1L;
    s.activeColor = "green";
    s.activeRevision = 2L;
    s.lastSwitchTime = "2026-12-02T17:30:00Z";
    s.history.get(1).outcome = "Promoted";
    s.history.get(1).promotedAt = "2026-12-02T17:30:00Z";
    return s;
  }

  @Test
  void aSwitchToTheRevisionPromotedAtThatTimeIsAPromotion() {
    List<Notification> n = ReleaseNotices.of(release(), oneLiveTwoPending(), promotedTwo(), NOW);
    assertThat(n).singleElement().satisfies(p -> {
      assertThat(p.event()).isEqualTo(Notification.Event.RELEASE_PROMOTED);
      assertThat(p.id()).isEqualTo("u1/release.promoted/2/2026-12-02T17:30:00Z");
      assertThat(p.time()).isEqualTo(Instant.parse("2026-12-02T17:30:00Z"));
      assertThat(p.message()).isEqualTo("revision 2 (1.1.0) is live on green");
      assertThat(p.details()).containsEntry("revision", 2L).containsEntry("previousColor", "blue");
    });
  }

  @Test
  void theFirstReleaseIsAPromotionToo() {
    AppReleaseStatus before = new AppReleaseStatus();
    before.history.add(rec(1, "1.0.0", "blue", "Pending", null, null));
    AppReleaseStatus after = new AppReleaseStatus();
    after.activeColor = "blue";
    after.activeRevision = 1L;
    after.lastSwitchTime = "2026-12-02T17:00:00Z";
    after.history.add(rec(1, "1.0.0", "blue", "Promoted", "2026-12-02T17:00:00Z", "every gate passed"));
    assertThat(ReleaseNotices.of(release(), null, after, NOW)).extracting(Notification::event)
        .containsExactly(Notification.Event.RELEASE_PROMOTED);
    assertThat(ReleaseNotices.of(release(), before, after, NOW)).hasSize(1);
  }

  @Test
  void aSwitchBackIsARollbackWithItsTrigger() {
    AppReleaseStatus after = Serialization.clone(promotedTwo());
    after.activeColor = "blue";
    after.activeRevision = 1L;
    after.previousColor = "green";
    after.previousRevision = 2L;
    after.lastSwitchTime = "2026-12-02T17:40:00Z";
    after.history.get(1).outcome = "RolledBack";
    after.history.get(1).reason = "automatic revert: HealthPolicy backend-health: checks failed 2 round(s)";
    List<Notification> n = ReleaseNotices.of(release(), promotedTwo(), after, NOW);
    assertThat(n).singleElement().satisfies(p -> {
      assertThat(p.event()).isEqualTo(Notification.Event.RELEASE_ROLLED_BACK);
      assertThat(p.id()).isEqualTo("u1/release.rolledBack/1/2026-12-02T17:40:00Z");
      assertThat(p.message()).isEqualTo("traffic back on blue (revision 1), away from revision 2 (1.1.0): automatic revert:"
          + " HealthPolicy backend-health: checks failed 2 round(s)");
      assertThat(p.details()).containsEntry("trigger", "health").containsEntry("fromRevision", 2L).containsEntry("color", "blue");
    });
  }

  @Test
  void triggersFromTheRecordedReasons() {
    assertThat(ReleaseNotices.trigger("manual rollback (turnout.dev/rollback=x)")).isEqualTo("manual");
    assertThat(ReleaseNotices.trigger("automatic revert: x")).isEqualTo("health");
    assertThat(ReleaseNotices.trigger("rollback recorded after restart")).isEqualTo("recovered");
    assertThat(ReleaseNotices.trigger(null)).isEqualTo("recovered");
  }

  @Test
  void aRevisionThatBecameFailedIsAFailureOnce() {
    AppReleaseStatus after = Serialization.clone(oneLiveTwoPending());
    after.history.get(1).outcome = "Failed";
    after.history.get(1).reason = "hook Job backend-migrate failed";
    List<Notification> n = ReleaseNotices.of(release(), oneLiveTwoPending(), after, NOW);
    assertThat(n).singleElement().satisfies(p -> {
      assertThat(p.event()).isEqualTo(Notification.Event.RELEASE_FAILED);
      assertThat(p.id()).isEqualTo("u1/release.failed/2");
      assertThat(p.time()).isEqualTo(NOW);
      assertThat(p.message()).isEqualTo("revision 2 (1.1.0) failed, traffic stays on blue: hook Job backend-migrate failed");
    });
    // already Failed before: a later write (a condition, a message) notifies nothing
    AppReleaseStatus later = Serialization.clone(after);
    later.phase = "Failed";
    assertThat(ReleaseNotices.of(release(), after, later, NOW)).isEmpty();
  }

  @Test
  void writesWithoutASwitchOrFailureNotifyNothing() {
    AppReleaseStatus after = Serialization.clone(oneLiveTwoPending());
    after.phase = "Progressing";
    after.history.get(1).outcome = "Superseded";
    assertThat(ReleaseNotices.of(release(), oneLiveTwoPending(), after, NOW)).isEmpty();
    assertThat(ReleaseNotices.of(release(), oneLiveTwoPending(), null, NOW)).isEmpty();
  }
}
