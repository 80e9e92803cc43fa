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
 * The threads on which the simulated controllers do their work: one lane (a single thread) per group of namespaces.
 * Everything about one namespace runs on its lane, one item at a time, so the controllers never race each other over
 * the objects of a namespace, which keeps them simple; namespaces on different lanes proceed in parallel, as the real
 * controllers' workers do (kube-controller-manager runs 5 per controller by default): at 1,000 releases one thread
 * spent its time waiting for the API server's answers, one request at a time. Cluster-scoped work (a null namespace)
 * runs on lane 0. Work items are keyed so that a burst of watch events for one object collapses into one reconcile.
 */
final class SimLoop implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SimLoop.class);
  /** A failed reconcile (conflict, object gone meanwhile) is simply retried after this pause. */
  private static final Duration RETRY = Duration.ofMillis(100);
  private static final int MAX_ATTEMPTS = 20;
  /** Lanes: enough to keep requests in flight while others wait for their answer; -Dturnout.sim.lanes to change. */
  static final int LANES = Integer.getInteger("turnout.sim.lanes", 8);

  private final ScheduledExecutorService[] lanes = new ScheduledExecutorService[LANES];
  private final Set<String> pending = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  SimLoop() {
    for (int i = 0; i < LANES; i++) {
      String name = LANES == 1 ? "cluster-simulator" : "cluster-simulator-" + i;
      lanes[i] = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
      });
    }
  }

  /** Runs the work soon on the namespace's lane, unless the same key is already waiting to run. */
  void submit(String namespace, String key, Runnable work) {
    schedule(namespace, key, work, Duration.ZERO);
  }

  /** Runs the work after the delay on the namespace's lane, unless the same key is already waiting to run. */
  void schedule(String namespace, String key, Runnable work, Duration delay) {
    if (closed || !pending.add(key)) {
      return;
    }
    ScheduledExecutorService lane = lane(namespace);
    lane.schedule(() -> run(lane, key, work, 1), delay.toMillis(), TimeUnit.MILLISECONDS);
  }

  private ScheduledExecutorService lane(String namespace) {
    return lanes[namespace == null ? 0 : Math.floorMod(namespace.hashCode(), LANES)];
  }

  private void run(ScheduledExecutorService lane, String key, Runnable work, int attempt) {
    pending.remove(key);
    try {
      work.run();
    } catch (RuntimeException e) {
      if (closed) {
        return;
      }
      if (attempt >= MAX_ATTEMPTS) {
        LOG.warn("simulator gave up on {} after {} attempts", key, attempt, e);
        return;
      }
      LOG.debug("simulator retries {}: {}", key, e.toString());
      if (pending.add(key)) {
        lane.schedule(() -> run(lane, key, work, attempt + 1), RETRY.toMillis(), TimeUnit.MILLISECONDS);
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    for (ScheduledExecutorService lane : lanes) {
      lane.shutdownNow();
    }
  }
}
