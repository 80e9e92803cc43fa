package dev.turnout.apprelease;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ReleaseStateMetricsTest {
  final ReleaseStateMetrics metrics = new ReleaseStateMetrics();
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final AppRelease release = new AppRelease();
  final AppReleaseStatus status = new AppReleaseStatus();

  @BeforeEach
  void setUp() {
    metrics.registry = registry;
    metrics.init();
    release.setMetadata(new ObjectMetaBuilder().withNamespace("shop").withName("backend").build());
    release.setSpec(new AppReleaseSpec());
  }

  void observe() {
    metrics.observe(id -> true, release, status);
  }

  @Test
  void onePhaseSeriesPerReleaseThatFollowsThePhase() {
    status.phase = "Progressing";
    observe();
    status.phase = "Failed";
    observe();
    assertThat(registry.find("turnout.release.phase").gauges()).singleElement().satisfies(g -> {
      assertThat(g.getId().getTag("phase")).isEqualTo("Failed");
      assertThat(g.getId().getTag("app")).isEqualTo("backend");
      assertThat(g.value()).isEqualTo(1);
    });
  }

  @Test
  void theDeadlineOnlyWhileARevisionRollsOutBeforeItsSwitch() {
    status.phase = "Progressing";
    status.revisionStartedAt = "2026-12-02T10:00:00Z";
    status.currentRevision = 3L;
    status.activeRevision = 2L;
    release.getSpec().strategy = new StrategySpec();
    release.getSpec().strategy.progressDeadlineSeconds = 300;
    observe();
    assertThat(registry.find(ReleaseStateMetrics.DEADLINE).gauge().value())
        .isEqualTo(java.time.Instant.parse("2026-12-02T10:05:00Z").getEpochSecond());
    // switched: Progressing while the switch converges has no deadline of its own
    status.activeRevision = 3L;
    observe();
    assertThat(registry.find(ReleaseStateMetrics.DEADLINE).gauge()).isNull();
    status.activeRevision = 2L;
    status.phase = "AwaitingPromotion";
    observe();
    assertThat(registry.find(ReleaseStateMetrics.DEADLINE).gauge()).isNull();
  }
}
