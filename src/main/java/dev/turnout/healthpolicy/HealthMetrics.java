package dev.turnout.healthpolicy;

import dev.turnout.healthpolicy.probe.CheckResult;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/** Health check metrics: results and latency per check, and the gate of each (release, phase). */
@ApplicationScoped
public class HealthMetrics {
  @Inject MeterRegistry registry;

  private final ConcurrentHashMap<String, Gauge> gauges = new ConcurrentHashMap<>();

  void checkResult(String namespace, String policy, CheckResult r) {
    Counter.builder("turnout.health.checks")
        .description("Health check runs by outcome")
        .tag("namespace", namespace)
        .tag("policy", policy)
        .tag("check", r.name())
        .tag("outcome", r.passed() ? "pass" : "fail")
        .register(registry)
        .increment();
    Timer.builder("turnout.health.check.latency")
        .description("Latency of a health check (HTTP: the slowest endpoint)")
        .tag("namespace", namespace)
        .tag("policy", policy)
        .tag("check", r.name())
        .publishPercentileHistogram()
        .register(registry)
        .record(Duration.ofMillis(Math.max(0, r.latencyMillis())));
  }

  /** 1 open, 0 closed, -1 unknown (or no longer probed). */
  void gate(String key, String namespace, String release, String phase, Supplier<Double> value) {
    gauges.computeIfAbsent(key, k -> Gauge.builder("turnout.health.gate", value, Supplier::get)
        .description("Health gate: 1 open, 0 closed, -1 unknown")
        .tag("namespace", namespace)
        .tag("release", release)
        .tag("phase", phase)
        .strongReference(true)
        .register(registry));
  }

  void removeGate(String key) {
    Gauge g = gauges.remove(key);
    if (g != null) {
      registry.remove(g);
    }
  }
}
