package dev.turnout.testing;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.api.reconciler.RetryInfo;
import io.javaoperatorsdk.operator.processing.Controller;
import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import dev.turnout.metrics.OperatorMetrics;
import jakarta.annotation.Priority;
import jakarta.enterprise.inject.Alternative;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * "The operator reconciled this resource after my action": the marker the lifecycle tests wait on before they
 * assert that something stayed the same (after a metadata-only nudge or a move of the test clock nothing in the
 * resource changes, so status.observedGeneration cannot tell).
 *
 * <p>It is the JOSDK {@link Metrics} callback the operator already emits, observed: this test-only bean takes the
 * place of the operator's {@link OperatorMetrics} (an alternative, so it wins over that bean) and hands every call on,
 * unchanged, to it, so /q/metrics is what it is in production. Besides, per resource (kind, namespace, name) it remembers the
 * resourceVersion each reconcile execution started from, and which executions have finished.
 *
 * <p>Why not a Micrometer count of reconciles per resource? A count cannot say whether the reconcile that started after a nudge read the nudged object or a
 * cache that had not yet seen it; the resourceVersion the execution started from can.
 */
@Singleton
@Alternative
@Priority(1)
public class Reconciles implements Metrics {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @Inject OperatorMetrics operatorMetrics;
  @Inject CrashingWriteCounter crashes;

  private final AtomicLong sequence = new AtomicLong();
  private final Map<String, Execution> running = new ConcurrentHashMap<>();
  /** Per resource: the highest resourceVersion and the highest sequence number of a finished execution. */
  private final Map<String, long[]> finished = new ConcurrentHashMap<>();

  private final Map<String, Long> startedCount = new ConcurrentHashMap<>();

  private record Execution(long seq, long resourceVersion) {}

  /** A point in time: executions that start from now on are after it. */
  public record Mark(long seq) {}

  private static String key(String kind, String namespace, String name) {
    return kind + "/" + namespace + "/" + name;
  }

  private static String key(HasMetadata r) {
    return key(r.getKind(), r.getMetadata().getNamespace(), r.getMetadata().getName());
  }

  private static long rv(HasMetadata r) {
    try {
      return Long.parseLong(r.getMetadata().getResourceVersion());
    } catch (RuntimeException e) {
      return -1;
    }
  }

  private Metrics delegate() {
    return operatorMetrics;
  }

  // --- what the tests use -------------------------------------------------------------------------------------

  public Mark mark() {
    return new Mark(sequence.get());
  }

  /**
   * Waits until a reconcile of {@code r} that started from its resourceVersion {@code r} carries (or a newer one)
   * has finished: the operator has seen this version, e.g. the one a nudge or an edit returned.
   */
  public void awaitReconciled(HasMetadata r) {
    awaitReconciled(r.getKind(), r.getMetadata().getNamespace(), r.getMetadata().getName(), rv(r), -1);
  }

  /** Waits until a reconcile of the resource that started after {@code mark} has finished (e.g. after a clock move). */
  public void awaitReconciledAfter(String kind, String namespace, String name, Mark mark) {
    awaitReconciled(kind, namespace, name, -1, mark.seq());
  }

  /** Whether a reconcile of the resource that started after {@code mark} has finished by now. */
  public boolean reconciledAfter(String kind, String namespace, String name, Mark mark) {
    long[] f = finished.get(key(kind, namespace, name));
    return f != null && f[1] > mark.seq();
  }

  /** How many reconcile executions of the resource have started so far. */
  public long started(String kind, String namespace, String name) {
    return startedCount.getOrDefault(key(kind, namespace, name), 0L);
  }

  private void awaitReconciled(String kind, String namespace, String name, long minResourceVersion, long afterSeq) {
    String key = key(kind, namespace, name);
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      long[] f = finished.get(key);
      if (f != null && f[0] >= minResourceVersion && f[1] > afterSeq) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no reconcile of " + key + " from resourceVersion >= " + minResourceVersion
            + " started after #" + afterSeq + " finished within " + WAIT + " (last finished: "
            + (f == null ? "none" : "rv " + f[0] + ", #" + f[1]) + ")");
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  // --- JOSDK's callbacks: recorded, then handed on unchanged ---------------------------------------------------

  @Override
  public void reconciliationExecutionStarted(HasMetadata resource, Map<String, Object> metadata) {
    running.put(key(resource), new Execution(sequence.incrementAndGet(), rv(resource)));
    startedCount.merge(key(resource), 1L, Long::sum);
    crashes.reconcileStarted(); // the reconcile runs on this thread (JOSDK's ReconcilerExecutor)
    delegate().reconciliationExecutionStarted(resource, metadata);
  }

  @Override
  public void reconciliationExecutionFinished(HasMetadata resource, Map<String, Object> metadata) {
    Execution e = running.remove(key(resource));
    if (e != null) {
      // executions of one resource never overlap (JOSDK serialises them), so the maxima are those of the latest
      finished.merge(key(resource), new long[] {e.resourceVersion(), e.seq()},
          (a, b) -> new long[] {Math.max(a[0], b[0]), Math.max(a[1], b[1])});
    }
    delegate().reconciliationExecutionFinished(resource, metadata);
  }

  @Override
  public void controllerRegistered(Controller<? extends HasMetadata> controller) {
    delegate().controllerRegistered(controller);
  }

  @Override
  public void receivedEvent(Event event, Map<String, Object> metadata) {
    delegate().receivedEvent(event, metadata);
  }

  @Override
  public void reconcileCustomResource(HasMetadata resource, RetryInfo retryInfo, Map<String, Object> metadata) {
    delegate().reconcileCustomResource(resource, retryInfo, metadata);
  }

  @Override
  public void failedReconciliation(HasMetadata resource, Exception exception, Map<String, Object> metadata) {
    delegate().failedReconciliation(resource, exception, metadata);
  }

  @Override
  public void cleanupDoneFor(ResourceID resourceID, Map<String, Object> metadata) {
    delegate().cleanupDoneFor(resourceID, metadata);
  }

  @Override
  public void finishedReconciliation(HasMetadata resource, Map<String, Object> metadata) {
    delegate().finishedReconciliation(resource, metadata);
  }

  @Override
  public <T> T timeControllerExecution(ControllerExecution<T> execution) throws Exception {
    return delegate().timeControllerExecution(execution);
  }

  @Override
  public <T extends Map<?, ?>> T monitorSizeOf(T map, String name) {
    return delegate().monitorSizeOf(map, name);
  }
}
