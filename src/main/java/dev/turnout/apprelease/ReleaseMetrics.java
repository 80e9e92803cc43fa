package dev.turnout.apprelease;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;

/**
 * Release metrics, labelled by namespace and app only (revisions would explode cardinality). The timers are histograms
 * with fixed buckets (a few per timer, chosen for what each measures) so that quantiles can be computed across
 * replicas and over any window; see docs/metrics.md for the DORA queries.
 */
@ApplicationScoped
public class ReleaseMetrics {
  // lead time and time to restore: from seconds (demos, small apps) to a week
  static final Duration[] LEAD_TIME_BUCKETS = minutes(1.0 / 6, 0.5, 1, 5, 15, 30, 60, 120, 360, 720, 1440, 2880, 10080);
  static final Duration[] RESTORE_BUCKETS = minutes(0.5, 1, 5, 10, 30, 60, 120, 360, 720, 1440, 2880, 10080);
  // switch convergence and revert latency: the promise is seconds (at most two API round trips after the decision)
  static final Duration[] SWITCH_BUCKETS = seconds(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120);

  @Inject MeterRegistry registry;

  public void started(AppRelease r) {
    counter("turnout.releases.started", r).increment();
    // the change-failure pair exists from an app's first revision, so the ratio is 0 rather than absent
    changes(r);
    changeFailures(r);
  }

  public void promoted(AppRelease r, Duration sinceRevisionCreated, Duration timeToRestore) {
    counter("turnout.releases.promoted", r).increment();
    changes(r).increment();
    if (sinceRevisionCreated != null) {
      timer("turnout.release.promotion.duration", "Time from a revision's creation to its switch (lead time)", r,
          LEAD_TIME_BUCKETS).record(sinceRevisionCreated);
    }
    if (timeToRestore != null) {
      timer("turnout.release.time.to.restore", "Time from a failed or rolled-back revision to the next promotion", r,
          RESTORE_BUCKETS).record(timeToRestore);
    }
  }

  public void failed(AppRelease r, String reason) {
    Counter.builder("turnout.releases.failed")
        .description("Revisions that failed before their switch")
        .tag("namespace", r.getMetadata().getNamespace())
        .tag("app", r.getMetadata().getName())
        .tag("reason", reason)
        .register(registry)
        .increment();
    changes(r).increment();
    changeFailures(r).increment();
  }

  public void rolledBack(AppRelease r, String trigger) {
    Counter.builder("turnout.releases.rolled.back")
        .description("Switches back to the previous color")
        .tag("namespace", r.getMetadata().getNamespace())
        .tag("app", r.getMetadata().getName())
        .tag("trigger", trigger)
        .register(registry)
        .increment();
    // the change was counted when it was promoted; its rollback makes it a failed one
    changeFailures(r).increment();
  }

  public void reverted(AppRelease r, Duration sinceFailureThreshold) {
    timer("turnout.health.revert.latency", "Time from the failure threshold being reached to the Service being reverted", r,
        SWITCH_BUCKETS).record(sinceFailureThreshold);
  }

  public void converged(AppRelease r, Duration sinceSwitch) {
    timer("turnout.release.switch.convergence", "Time from the Service switch until only the new color serves", r,
        SWITCH_BUCKETS).record(sinceSwitch);
  }

  private Counter changes(AppRelease r) {
    return Counter.builder("turnout.release.changes")
        .description("Revisions that reached production or failed trying: promoted plus failed before the switch")
        .tag("namespace", r.getMetadata().getNamespace())
        .tag("app", r.getMetadata().getName())
        .register(registry);
  }

  private Counter changeFailures(AppRelease r) {
    return Counter.builder("turnout.release.change.failures")
        .description("Revisions that failed before their switch or were rolled back after it")
        .tag("namespace", r.getMetadata().getNamespace())
        .tag("app", r.getMetadata().getName())
        .register(registry);
  }

  private Counter counter(String name, AppRelease r) {
    return Counter.builder(name)
        .tag("namespace", r.getMetadata().getNamespace())
        .tag("app", r.getMetadata().getName())
        .register(registry);
  }

  private Timer timer(String name, String description, AppRelease r, Duration[] buckets) {
    return Timer.builder(name)
        .description(description)
        .tag("namespace", r.getMetadata().getNamespace())
        .tag("app", r.getMetadata().getName())
        .serviceLevelObjectives(buckets)
        .register(registry);
  }

  static Duration[] seconds(double... values) {
    Duration[] d = new Duration[values.length];
    for (int i = 0; i < values.length; i++) {
      d[i] = Duration.ofMillis(Math.round(values[i] * 1000));
    }
    return d;
  }

  static Duration[] minutes(double... values) {
    Duration[] d = new Duration[values.length];
    for (int i = 0; i < values.length; i++) {
      d[i] = Duration.ofSeconds(Math.round(values[i] * 60));
    }
    return d;
  }
}
