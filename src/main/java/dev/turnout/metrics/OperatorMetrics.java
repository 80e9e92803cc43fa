package dev.turnout.metrics;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.api.reconciler.Constants;
import io.javaoperatorsdk.operator.api.reconciler.RetryInfo;
import io.javaoperatorsdk.operator.processing.Controller;
import io.javaoperatorsdk.operator.processing.GroupVersionKind;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Reconcile metrics of the four controllers, labelled by {@code kind} only. Replaces the default of quarkus-operator-sdk
 * (JOSDK's MicrometerMetrics collecting per resource: {@code operator_sdk_*} meters labelled by each resource's name and
 * namespace, a percentile histogram per resource, i.e. unbounded series as resources come and go), which is why this bean
 * implements JOSDK's {@link Metrics}: QOSDK hands the {@code Metrics} bean to the operator and ours wins over its
 * {@code @DefaultBean}.
 *
 * <p>All meters of a kind are registered when its controller is, so they are on /q/metrics from the start (0 errors
 * is a value: {@code rate()} over a counter that appears on the first error misses it).
 */
@Singleton
public class OperatorMetrics implements Metrics {
  static final Duration[] RECONCILE_BUCKETS = seconds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30);

  @Inject MeterRegistry registry;

  private final Map<String, PerKind> kinds = new ConcurrentHashMap<>();

  /** Meters of one kind; the queue gauge reads {@code queued}. */
  private record PerKind(Timer duration, Counter errors, AtomicInteger queued) {}

  @Override
  public void controllerRegistered(Controller<? extends HasMetadata> controller) {
    perKind(HasMetadata.getKind(controller.getConfiguration().getResourceClass()));
  }

  @Override
  public <T> T timeControllerExecution(ControllerExecution<T> execution) throws Exception {
    PerKind meters = perKind(kind(execution.metadata()));
    Timer.Sample sample = Timer.start(registry);
    try {
      return execution.execute();
    } catch (Exception | Error e) {
      // counted here rather than in failedReconciliation, which JOSDK calls only when it schedules a retry (not when
      // a newer event re-runs the reconcile at once, nor once retries are exhausted)
      meters.errors().increment();
      throw e;
    } finally {
      sample.stop(meters.duration());
    }
  }

  // JOSDK calls reconcileCustomResource when it hands a resource to its executor and reconciliationExecutionFinished
  // (in a finally) when that task ends, including the tasks that skip a resource gone from the cache: the difference is
  // what waits for a reconcile thread or runs on one.
  @Override
  public void reconcileCustomResource(HasMetadata resource, RetryInfo retryInfo, Map<String, Object> metadata) {
    perKind(kind(metadata, resource)).queued().incrementAndGet();
  }

  @Override
  public void reconciliationExecutionFinished(HasMetadata resource, Map<String, Object> metadata) {
    // never below zero: a task submitted before a stop returns without the finally
    perKind(kind(metadata, resource)).queued().updateAndGet(n -> Math.max(0, n - 1));
  }

  private PerKind perKind(String kind) {
    return kinds.computeIfAbsent(kind, k -> {
      AtomicInteger queued = new AtomicInteger();
      Gauge.builder("turnout.reconcile.queue.depth", queued, AtomicInteger::get)
          .description("Reconciliations handed to the reconcile threads and not finished (waiting or running)")
          .tag("kind", k)
          .register(registry);
      return new PerKind(
          Timer.builder("turnout.reconcile.duration")
              .description("Duration of a reconcile (or cleanup) of one resource")
              .tag("kind", k)
              .serviceLevelObjectives(RECONCILE_BUCKETS)
              .register(registry),
          Counter.builder("turnout.reconcile.errors")
              .description("Reconciles that ended with an exception (JOSDK retries them)")
              .tag("kind", k)
              .register(registry),
          queued);
    });
  }

  private static String kind(Map<String, Object> metadata) {
    Object gvk = metadata == null ? null : metadata.get(Constants.RESOURCE_GVK_KEY);
    return gvk instanceof GroupVersionKind g ? g.getKind() : "unknown";
  }

  private static String kind(Map<String, Object> metadata, HasMetadata resource) {
    String k = kind(metadata);
    return !"unknown".equals(k) || resource == null ? k : resource.getKind();
  }

  static Duration[] seconds(double... values) {
    Duration[] d = new Duration[values.length];
    for (int i = 0; i < values.length; i++) {
      d[i] = Duration.ofNanos((long) (values[i] * 1_000_000_000L));
    }
    return d;
  }
}
