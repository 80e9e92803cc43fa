package dev.turnout.apprelease;

import dev.turnout.common.StateGauges;
import dev.turnout.common.Times;
import io.javaoperatorsdk.operator.api.reconciler.IndexedResourceCache;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * The state of each release as gauges for the chart's alert rules (docs/operations.md#alerts), derived from its status
 * after every reconcile, so they are right again at once after an operator restart (counters would start from zero and
 * miss the first increment of a new series). Labels: namespace, app (and phase): one series per release each.
 */
@ApplicationScoped
public class ReleaseStateMetrics {
  static final String PHASE = "turnout.release.phase";
  static final String DEADLINE = "turnout.release.progress.deadline.timestamp.seconds";

  @Inject MeterRegistry registry;
  private StateGauges gauges;

  @PostConstruct
  void init() {
    gauges = new StateGauges(registry, "app");
  }

  public void observe(IndexedResourceCache<AppRelease> cache, AppRelease release, AppReleaseStatus status) {
    observe(id -> cache.get(id).isPresent(), release, status);
  }

  void observe(Predicate<ResourceID> live, AppRelease release, AppReleaseStatus status) {
    if (status == null || status.phase == null) {
      return;
    }
    Tags phase = Tags.of("phase", status.phase);
    gauges.set(live, release, PHASE, "1 for the release's current phase (status.phase)", phase, 1);
    gauges.clearOthers(release, PHASE, phase);
    Instant deadline = deadline(release, status);
    if (deadline == null) {
      gauges.clear(release, DEADLINE);
    } else {
      gauges.set(live, release, DEADLINE, "When the rolling-out revision must have passed its gates", deadline.getEpochSecond());
    }
  }

  /**
   * While a revision rolls out before its switch (phase Progressing, the current revision not the active one): its start
   * plus strategy.progressDeadlineSeconds. The operator fails the revision at that time, so a value in the past means
   * the operator is not acting on the release. Null otherwise (switch converging, waiting for a person, paused...).
   */
  static Instant deadline(AppRelease release, AppReleaseStatus status) {
    if (!AppReleaseStatusAggregator.Phase.Progressing.name().equals(status.phase) || status.revisionStartedAt == null
        || status.currentRevision == null || Objects.equals(status.currentRevision, status.activeRevision)) {
      return null;
    }
    Instant started = Times.parse(status.revisionStartedAt);
    if (started == null || release.getSpec() == null) {
      return null;
    }
    return started.plusSeconds(release.getSpec().strategyOrDefault().progressDeadline());
  }
}
