package dev.turnout.apprelease;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The pure decisions of the release engine, over tables of states (issue 10). */
class RevisionPlannerTest {
  static final Instant NOW = Instant.parse("2026-12-02T10:00:00Z");

  static AppReleaseStatus status(String active, Long activeRev, String current, Long currentRev, String previous, String... outcomes) {
    AppReleaseStatus s = new AppReleaseStatus();
    s.activeColor = active;
    s.activeRevision = activeRev;
    s.currentColor = current;
    s.currentRevision = currentRev;
    s.previousColor = previous;
    long n = outcomes.length;
    for (String o : outcomes) {
      RevisionRecord r = new RevisionRecord();
      r.revision = n--;
      r.outcome = o;
      r.revisionHash = "h" + r.revision;
      s.history.add(r);
    }
    return s;
  }

  static AppReleaseSpec spec(String version) {
    AppReleaseSpec spec = new AppReleaseSpec();
    spec.version = version;
    return spec;
  }

  @Test
  void aNewRevisionGoesToTheIdleColorOrIsLiveAtOnceWhenItsPodsAlreadyServe() {
    // {active, liveHash, newHash} -> {color, outcome}
    record Row(String active, String liveHash, String hash, String color, String outcome, boolean matchesLive) {}
    List<Row> rows = List.of(
        new Row(null, null, "a", "blue", "Pending", false),
        new Row("blue", "a", "b", "green", "Pending", false),
        new Row("green", "b", "c", "blue", "Pending", false),
        new Row("blue", "a", "a", "blue", "Promoted", true));
    for (Row row : rows) {
      AppReleaseStatus s = status(row.active(), row.active() == null ? null : 1L, row.active(), 1L, null, "Promoted");
      RevisionPlanner.StartedRevision started = RevisionPlanner.startRevision(s, spec("2"), row.hash(), row.liveHash(), "kubectl", NOW);
      assertThat(started.record().color).as(row.toString()).isEqualTo(row.color());
      assertThat(started.record().outcome).as(row.toString()).isEqualTo(row.outcome());
      assertThat(started.matchesLive()).as(row.toString()).isEqualTo(row.matchesLive());
      assertThat(s.currentRevision).isEqualTo(2L);
      assertThat(started.record().revisionHash).isEqualTo(row.hash());
    }
  }

  @Test
  void aNewRevisionSupersedesAPendingOneClearsItsGatesAndTakesOverTheIdleColorsRollbackRole() {
    AppReleaseStatus s = status("blue", 1L, "green", 2L, "green", "Pending", "Promoted");
    s.gatesPassedAt = "2026-12-02T09:59:00Z";
    s.rollbackPendingSince = "2026-12-02T09:59:00Z";
    RevisionPlanner.StartedRevision started = RevisionPlanner.startRevision(s, spec("3"), "h3", "h1", null, NOW);
    assertThat(started.superseded().revision).isEqualTo(2L);
    assertThat(started.superseded().outcome).isEqualTo("Superseded");
    assertThat(s.gatesPassedAt).isNull();
    assertThat(s.rollbackPendingSince).isNull();
    assertThat(s.previousColor).as("the idle color now runs the new revision, not the rollback target").isNull();
    assertThat(s.history).extracting(r -> r.revision).containsExactly(3L, 2L, 1L);
  }

  @Test
  void historyIsTrimmedToTheLimit() {
    AppReleaseStatus s = status("blue", 3L, "blue", 3L, null, "Promoted", "Promoted", "Promoted");
    AppReleaseSpec spec = spec("4");
    spec.revisionHistoryLimit = 2;
    RevisionPlanner.startRevision(s, spec, "h4", "h3", null, NOW);
    assertThat(s.history).extracting(r -> r.revision).containsExactly(4L, 3L);
  }

  @Test
  void aRevisionWithThePodsOfARolledBackOneHasARejectedTwinUntilTheSpecChangesToSomethingNew() {
    AppReleaseStatus s = status("blue", 1L, "green", 2L, "green", "RolledBack", "Promoted");
    RevisionRecord rejected = s.history.get(0);
    RevisionPlanner.StartedRevision again = RevisionPlanner.startRevision(s, spec("2"), rejected.revisionHash, "h1", null, NOW);
    assertThat(RevisionPlanner.rejectedTwin(s, again.record())).isSameAs(rejected);
    RevisionPlanner.StartedRevision fresh = RevisionPlanner.startRevision(s, spec("2.0.1"), "new", "h1", null, NOW);
    assertThat(RevisionPlanner.rejectedTwin(s, fresh.record())).isNull();
    AppReleaseStatus failed = status("blue", 1L, "green", 2L, null, "Failed", "Promoted");
    RevisionPlanner.StartedRevision retry = RevisionPlanner.startRevision(failed, spec("2"), "h2", "h1", null, NOW);
    assertThat(RevisionPlanner.rejectedTwin(failed, retry.record())).as("a failed revision may be retried").isNull();
  }

  @Test
  void everyColorThatRunsHasSpecReplicasAndTheRestZero() {
    // {active, current, previous, pending, scaleDownDue} -> replicas of blue, green
    record Row(String active, String current, String previous, boolean pending, boolean due, int blue, int green) {}
    List<Row> rows = List.of(
        new Row(null, "blue", null, true, false, 4, 0),          // first release
        new Row("blue", "blue", null, false, false, 4, 0),       // at rest
        new Row("blue", "green", null, true, false, 4, 4),       // rollout: both at spec.replicas
        new Row("blue", "green", null, false, false, 4, 0),      // revision failed: its color released
        new Row("green", "green", "blue", false, false, 4, 4),   // after the switch: previous kept whole for rollback
        new Row("green", "green", "blue", false, true, 0, 4),    // after scaleDownAt
        new Row("blue", "green", "green", false, false, 4, 4));  // rolled back: the rejected color kept until scaleDownAt
    for (Row row : rows) {
      AppReleaseStatus s = status(row.active(), 1L, row.current(), 2L, row.previous());
      assertThat(RevisionPlanner.desiredReplicas(Color.blue, s, 4, row.pending(), row.due())).as(row.toString()).isEqualTo(row.blue());
      assertThat(RevisionPlanner.desiredReplicas(Color.green, s, 4, row.pending(), row.due())).as(row.toString()).isEqualTo(row.green());
    }
  }

  @Test
  void aColorTakesTrafficBackOnlyWhenAllItsReplicasAreUpdatedReadyAndAvailable() {
    assertThat(RevisionPlanner.fullyAvailable(ReleaseDecisionsTest.deployment(2, 3, 3, 2, 2, 2, 2), 2)).isTrue();
    assertThat(RevisionPlanner.fullyAvailable(ReleaseDecisionsTest.deployment(2, 3, 3, 2, 2, 1, 1), 2)).as("half empty").isFalse();
    assertThat(RevisionPlanner.fullyAvailable(ReleaseDecisionsTest.deployment(2, 4, 3, 2, 2, 2, 2), 2)).as("controller behind").isFalse();
    assertThat(RevisionPlanner.fullyAvailable(ReleaseDecisionsTest.deployment(0, 3, 3, 0, 0, 0, 0), 2)).as("scaled down").isFalse();
    assertThat(RevisionPlanner.fullyAvailable(null, 2)).isFalse();
  }

  // ---- the active Service holds the decision (items 1, 4, 13) -----------------------------------------------------

  static io.fabric8.kubernetes.api.model.Service active(String selected, Map<String, String> annotations) {
    return new ServiceBuilder().withNewMetadata().withName("backend").withAnnotations(annotations).endMetadata()
        .withNewSpec().withSelector(Map.of("turnout.dev/color", selected)).endSpec().build();
  }

  @Test
  void theActiveServiceSaysWhatWasDecidedWithItsSelector() {
    var serving = TrafficSwitcher.Serving.of(active("green", Map.of(TrafficSwitcher.SERVING_COLOR, "green",
        TrafficSwitcher.SERVING_REVISION, "2", TrafficSwitcher.SWITCH_REASON, "Promoted", TrafficSwitcher.PROMOTE_TOKEN, "t1")));
    assertThat(serving.decided()).isEqualTo(Color.green);
    assertThat(serving.revision()).isEqualTo(2L);
    assertThat(serving.reason()).isEqualTo(TrafficSwitcher.Reason.Promoted);
    assertThat(serving.promoteToken()).isEqualTo("t1");
    assertThat(serving.handEdited()).isFalse();
    var edited = TrafficSwitcher.Serving.of(active("blue", Map.of(TrafficSwitcher.SERVING_COLOR, "green")));
    assertThat(edited.handEdited()).as("selector changed by someone else").isTrue();
    var legacy = TrafficSwitcher.Serving.of(active("blue", Map.of()));
    assertThat(legacy.decided()).isNull();
    assertThat(legacy.handEdited()).isFalse();
  }

  // ---- post-promotion watch (item 5) ------------------------------------------------------------------------------

  static EndpointSlice slice(Object[]... endpoints) {
    EndpointSliceBuilder b = new EndpointSliceBuilder().withNewMetadata().withName("backend-x").endMetadata().withAddressType("IPv4");
    for (Object[] e : endpoints) {
      b.addToEndpoints(new EndpointBuilder().withAddresses("10.244.0.1")
          .withTargetRef(new ObjectReferenceBuilder().withKind("Pod").withName((String) e[0]).build())
          .withNewConditions().withReady((Boolean) e[1]).withTerminating((Boolean) e[2]).endConditions().build());
    }
    return b.build();
  }

  @Test
  void onlyPodsThatWereReadyAndTurnedUnreadyWithoutTerminatingCountAgainstTheNewColor() {
    Set<String> seen = new HashSet<>();
    Map<String, ReleasePods.PodLabels> pods = new java.util.HashMap<>();
    for (int i = 1; i <= 3; i++) {
      pods.put("backend-green-abc-" + i, new ReleasePods.PodLabels("backend", Color.green, "2"));
    }
    // two ready pods; then a scale-up adds two that are not ready yet: not a failure
    assertThat(PostPromotionWatch.turnedUnready(List.of(slice(new Object[] {"backend-green-abc-1", true, false},
        new Object[] {"backend-green-abc-2", true, false})), pods, Color.green, seen)).isEmpty();
    assertThat(PostPromotionWatch.turnedUnready(List.of(slice(new Object[] {"backend-green-abc-1", true, false},
        new Object[] {"backend-green-abc-2", true, false}, new Object[] {"backend-green-abc-3", false, false})),
        pods, Color.green, seen)).as("a new pod not ready yet").isEmpty();
    // rollout restart: an old pod terminating is not a failure
    assertThat(PostPromotionWatch.turnedUnready(List.of(slice(new Object[] {"backend-green-abc-1", false, true},
        new Object[] {"backend-green-abc-2", true, false})), pods, Color.green, seen)).isEmpty();
    // a pod that served turns unready: that is the signal
    assertThat(PostPromotionWatch.turnedUnready(List.of(slice(new Object[] {"backend-green-abc-2", false, false})),
        pods, Color.green, seen)).containsExactly("backend-green-abc-2");
  }
}
