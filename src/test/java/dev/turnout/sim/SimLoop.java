package dev.turnout.sim;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single thread on which every simulated controller does its work. One thread means the
 * controllers never race each other over the same object, which keeps them simple; work items are
 * keyed so that a burst of watch events for one object collapses into one reconcile.
 */
final class SimLoop implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SimLoop.class);
  /** A failed reconcile (conflict, object gone meanwhile) is simply retried after this pause. */
  private static final Duration RETRY = Duration.ofMillis(100);
  private static final int MAX_ATTEMPTS = 20;

  private final ScheduledExecutorService executor =
      Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "cluster-simulator");
        t.setDaemon(true);
        return t;
      });
  private final Set<String> pending = ConcurrentHashMap.newKeySet();

  /** Runs the work soon, unless the same key is already waiting to run. */
  void submit(String key, Runnable work) {
    schedule(key, work, Duration.ZERO);
  }

  /** Runs the work after the delay, unless the same key is already waiting to run. */
  void schedule(String key, Runnable work, Duration delay) {
    if (executor.isShutdown() || !pending.add(key)) {
      return;
    }
    executor.schedule(() -> run(key, work, 1), delay.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void run(String key, Runnable work, int attempt) {
    pending.remove(key);
    try {
      work.run();
    } catch (RuntimeException e) {
      if (executor.isShutdown()) {
        return;
      }
      if (attempt >= MAX_ATTEMPTS) {
        LOG.warn("simulator gave up on {} after {} attempts", key, attempt, e);
        return;
      }
      LOG.debug("simulator retries {}: {}", key, e.toString());
      if (pending.add(key)) {
        executor.schedule(() -> run(key, work, attempt + 1), RETRY.toMillis(), TimeUnit.MILLISECONDS);
      }
    }
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
