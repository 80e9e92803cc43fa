package dev.turnout.apprelease;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;

/** Release metrics, labelled by namespace and app only (revisions would explode cardinality). */
@ApplicationScoped
public class ReleaseMetrics {
  @Inject MeterRegistry registry;

  public void started(AppRelease r) {
    counter("turnout.releases.started", r).increment();
  }

  public void promoted(AppRelease r, Duration sinceRevisionCreated) {
    counter("turnout.releases.promoted", r).increment();
    if (sinceRevisionCreated != null) {
      timer("turnout.release.promotion.duration", "Time from a revision's creation to its switch", r).record(sinceRevisionCreated);
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
  }

  public void rolledBack(AppRelease r, String trigger) {
    Counter.builder("turnout.releases.rolled.back")
        .description("Switches back to the previous color")
        .tag("namespace", r.getMetadata().getNamespace())
        .tag("app", r.getMetadata().getName())
        .tag("trigger", trigger)
        .register(registry)
        .increment();
  }

  public void reverted(AppRelease r, Duration sinceFailureThreshold) {
    timer("turnout.health.revert.latency", "Time from the failure threshold being reached to the Service being reverted", r)
        .record(sinceFailureThreshold);
  }

  public void converged(AppRelease r, Duration sinceSwitch) {
    timer("turnout.release.switch.convergence", "Time from the Service switch until only the new color serves", r)
        .record(sinceSwitch);
  }

  private Counter counter(String name, AppRelease r) {
    return Counter.builder(name)
        .tag("namespace", r.getMetadata().getNamespace())
        .tag("app", r.getMetadata().getName())
        .register(registry);
  }

  private Timer timer(String name, String description, AppRelease r) {
    return Timer.builder(name)
        .description(description)
        .tag("namespace", r.getMetadata().getNamespace())
        .tag("app", r.getMetadata().getName())
        .publishPercentileHistogram(false)
        .register(registry);
  }
}
