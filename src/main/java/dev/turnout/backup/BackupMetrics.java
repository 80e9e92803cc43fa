package dev.turnout.backup;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** Backup metrics, tagged namespace and backup (the DatabaseBackup's name). */
@ApplicationScoped
public class BackupMetrics {
  @Inject MeterRegistry registry;
  private final Map<String, AtomicLong> gauges = new ConcurrentHashMap<>();

  public void lastSuccess(DatabaseBackup b, Instant completedAt, long sizeBytes) {
    gauge("turnout.backup.last.success.timestamp.seconds", "Completion time of the newest complete backup", b)
        .set(completedAt == null ? 0 : completedAt.getEpochSecond());
    gauge("turnout.backup.last.size.bytes", "Size of the newest complete backup", b).set(sizeBytes);
  }

  public void lastVerified(DatabaseBackup b, Instant completedAt) {
    gauge("turnout.backup.last.verified.timestamp.seconds", "Completion time of the newest verified backup", b)
        .set(completedAt == null ? 0 : completedAt.getEpochSecond());
  }

  static final Duration[] DURATION_BUCKETS = java.util.stream.Stream.of(10, 30, 60, 300, 900, 1800, 3600, 7200, 14400)
      .map(Duration::ofSeconds).toArray(Duration[]::new);

  public void run(DatabaseBackup b, boolean succeeded, Duration duration) {
    Counter.builder("turnout.backup.runs")
        .description("Finished backup Jobs by result")
        .tags(tags(b).and("result", succeeded ? "success" : "failure"))
        .register(registry)
        .increment();
    if (duration != null && !duration.isNegative()) {
      Timer.builder("turnout.backup.duration")
          .description("Run time of backup Jobs (start to completion)")
          .tags(tags(b))
          // fixed buckets (docs/metrics.md): a dump of a small app takes seconds, a large one hours
          .serviceLevelObjectives(DURATION_BUCKETS)
          .register(registry)
          .record(duration);
    }
  }

  /** Backups retention would prune but S3 Object Lock still holds (status.backups[].objectLock). */
  public void objectLockHeld(DatabaseBackup b, long backups) {
    gauge("turnout.backup.object.lock.held", "Backups retention would prune but S3 Object Lock still holds", b).set(backups);
  }

  public void pruned(DatabaseBackup b, int objects) {
    Counter.builder("turnout.backup.pruned")
        .description("Backups deleted by retention")
        .tags(tags(b))
        .register(registry)
        .increment(objects);
  }

  private AtomicLong gauge(String name, String description, DatabaseBackup b) {
    String key = name + "|" + b.getMetadata().getNamespace() + "|" + b.getMetadata().getName();
    return gauges.computeIfAbsent(key, k -> {
      AtomicLong v = new AtomicLong();
      Gauge.builder(name, v, AtomicLong::doubleValue).description(description).tags(tags(b)).register(registry);
      return v;
    });
  }

  private static Tags tags(DatabaseBackup b) {
    return Tags.of("namespace", b.getMetadata().getNamespace(), "backup", b.getMetadata().getName());
  }
}
