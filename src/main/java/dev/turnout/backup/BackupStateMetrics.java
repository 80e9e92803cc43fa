package dev.turnout.backup;

import dev.turnout.common.StateGauges;
import io.javaoperatorsdk.operator.api.reconciler.IndexedResourceCache;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the chart's backup alerts (docs/operations.md#alerts) compare against, as gauges set from the DatabaseBackup's
 * spec and status on every reconcile (so right again at once after an operator restart). Labels: namespace, backup.
 */
@ApplicationScoped
public class BackupStateMetrics {
  static final String INTERVAL = "turnout.backup.schedule.interval.seconds";
  static final String CREATED = "turnout.backup.created.timestamp.seconds";
  static final String PREVIOUS_SIZE = "turnout.backup.previous.size.bytes";
  static final String VERIFICATION_FAILED = "turnout.backup.last.verification.failed";
  static final String DRILL_FAILED = "turnout.backup.drill.last.failed";
  /** Firings looked at for the longest gap: enough for a year of a daily schedule, bounded for a per-minute one. */
  static final int FIRINGS = 400;

  @Inject MeterRegistry registry;
  private StateGauges gauges;
  private final Map<String, Optional<Duration>> intervals = new ConcurrentHashMap<>();

  @PostConstruct
  void init() {
    gauges = new StateGauges(registry, "backup");
  }

  /** {@code zone}: the spec's time zone, null when the spec is invalid (no schedule runs then). */
  public void observe(IndexedResourceCache<DatabaseBackup> cache, DatabaseBackup backup, DatabaseBackupStatus status, ZoneId zone) {
    observe(id -> cache.get(id).isPresent(), backup, status, zone);
  }

  void observe(Predicate<ResourceID> live, DatabaseBackup backup, DatabaseBackupStatus status, ZoneId zone) {
    DatabaseBackupSpec spec = backup.getSpec();
    Optional<Duration> interval = spec == null || spec.schedule == null || zone == null || Boolean.TRUE.equals(spec.suspend)
        ? Optional.empty()
        : intervals.computeIfAbsent(spec.schedule + "|" + zone.getId(), k -> longestGap(spec.schedule, zone, Instant.now()));
    if (interval.isPresent()) {
      gauges.set(live, backup, INTERVAL, "Longest time between two runs of spec.schedule", interval.get().toSeconds());
    } else {
      gauges.clear(backup, INTERVAL);
    }
    Instant created = dev.turnout.common.Times.parse(backup.getMetadata().getCreationTimestamp());
    if (created != null) {
      gauges.set(live, backup, CREATED, "When the DatabaseBackup was created", created.getEpochSecond());
    }
    if (status.backups != null && status.backups.size() > 1 && status.backups.get(1).sizeBytes != null) {
      gauges.set(live, backup, PREVIOUS_SIZE, "Size of the complete backup before the newest", status.backups.get(1).sizeBytes);
    } else {
      gauges.clear(backup, PREVIOUS_SIZE);
    }
    if (status.backups != null && !status.backups.isEmpty()) {
      // false: verification ran and failed (the VerificationFailed Event); null: not verified yet
      gauges.set(live, backup, VERIFICATION_FAILED, "1 when the newest complete backup failed verification",
          Boolean.FALSE.equals(status.backups.get(0).verified) ? 1 : 0);
    } else {
      gauges.clear(backup, VERIFICATION_FAILED);
    }
    if (status.lastDrill != null && status.lastDrill.succeeded != null) {
      gauges.set(live, backup, DRILL_FAILED, "1 when the newest restore drill failed", status.lastDrill.succeeded ? 0 : 1);
    } else {
      gauges.clear(backup, DRILL_FAILED);
    }
  }

  /**
   * The longest time between two consecutive firings of {@code schedule} in {@code zone} over the next {@link #FIRINGS}
   * firings or a year, whichever comes first (a weekday schedule: the weekend's 3 days; a monthly one: 31 days).
   */
  static Optional<Duration> longestGap(String schedule, ZoneId zone, Instant from) {
    Optional<Instant> first = CronSchedule.next(schedule, zone, from.truncatedTo(ChronoUnit.DAYS));
    if (first.isEmpty()) {
      return Optional.empty();
    }
    Instant end = first.get().plus(Duration.ofDays(366));
    Instant t = first.get();
    Duration longest = null;
    for (int i = 0; i < FIRINGS && t.isBefore(end); i++) {
      Optional<Instant> next = CronSchedule.next(schedule, zone, t);
      if (next.isEmpty()) {
        break;
      }
      Duration gap = Duration.between(t, next.get());
      longest = longest == null || gap.compareTo(longest) > 0 ? gap : longest;
      t = next.get();
    }
    return Optional.ofNullable(longest);
  }
}
