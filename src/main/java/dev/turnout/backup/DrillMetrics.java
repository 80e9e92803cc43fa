package dev.turnout.backup;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** Restore drill metrics, named and tagged as {@link BackupMetrics} (namespace, backup). */
@ApplicationScoped
public class DrillMetrics {
  @Inject MeterRegistry registry;
  private final Map<String, AtomicLong> gauges = new ConcurrentHashMap<>();

  /** One finished drill Job, counted once (when it is recorded in status.lastDrill). */
  public void drill(DatabaseBackup b, boolean passed) {
    Counter.builder("turnout.backup.drills")
        .description("Finished restore drills by result")
        .tags(tags(b).and("result", passed ? "passed" : "failed"))
        .register(registry)
        .increment();
  }

  /** Set from status on every reconcile, so it survives an operator restart. */
  public void lastSuccess(DatabaseBackup b, Instant finishedAt) {
    String key = b.getMetadata().getNamespace() + "|" + b.getMetadata().getName();
    gauges.computeIfAbsent(key, k -> {
      AtomicLong v = new AtomicLong();
      Gauge.builder("turnout.backup.drill.last.success.timestamp.seconds", v, AtomicLong::doubleValue)
          .description("When the newest passed restore drill finished")
          .tags(tags(b))
          .register(registry);
      return v;
    }).set(finishedAt.getEpochSecond());
  }

  private static Tags tags(DatabaseBackup b) {
    return Tags.of("namespace", b.getMetadata().getNamespace(), "backup", b.getMetadata().getName());
  }
}
