package dev.turnout.healthpolicy;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * Writes readiness-gate conditions to pods/status: on a bounded pool of {@link #THREADS} threads, so that a slow
 * write for one pod never holds up the others (and never runs on the event loop that decided it), with at most one
 * write in flight per pod. Callers decide level-based on every round, so a write that is skipped (one in flight) or
 * fails (a conflict) is simply decided again on the pod's next round.
 *
 * <p>After a write, the informer's copy of the pod is stale until its watch event arrives: a decision taken on that
 * same copy (same resourceVersion) is not sent again, so one change makes one write.
 */
final class PodConditionWriter implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(PodConditionWriter.class);
  static final int THREADS = 4;

  /** Sends one JSON patch to a pod's status subresource. */
  @FunctionalInterface
  interface StatusPatch {
    void patch(String namespace, String pod, String jsonPatch);
  }

  private final StatusPatch patch;
  private final Clock clock;
  private final ThreadPoolExecutor pool;
  /** Pods (namespace/name) with a write in flight. */
  private final Map<String, Boolean> inFlight = new ConcurrentHashMap<>();
  /** Per pod, the resourceVersion the last successful write was made against. */
  private final Map<String, String> writtenOver = new ConcurrentHashMap<>();

  PodConditionWriter(StatusPatch patch, Clock clock) {
    this.patch = patch;
    this.clock = clock;
    AtomicInteger n = new AtomicInteger();
    // the queue holds at most one task per pod (see inFlight), so it is bounded by the number of gated pods
    this.pool = new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
      Thread t = new Thread(r, "turnout-pod-gate-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    pool.allowCoreThreadTimeOut(true); // idle: no threads
  }

  /**
   * Sets {@code verdict} as {@code pod}'s condition of {@code type}, asynchronously. Returns false when nothing was sent:
   * a write for this pod is in flight, or the last write was made against this same copy of the pod.
   */
  boolean write(Pod pod, String type, PodGate.Verdict verdict) {
    String key = pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
    String rv = pod.getMetadata().getResourceVersion();
    if (rv != null && rv.equals(writtenOver.get(key))) {
      return false; // the cache has not seen our last write yet
    }
    if (inFlight.putIfAbsent(key, Boolean.TRUE) != null) {
      return false;
    }
    String body = jsonPatch(pod, type, verdict, clock);
    try {
      pool.execute(() -> {
        try {
          patch.patch(pod.getMetadata().getNamespace(), pod.getMetadata().getName(), body);
          writtenOver.put(key, rv == null ? "" : rv);
        } catch (RuntimeException e) {
          // a conflict (the pod changed since the cached copy) or a pod gone: decided again on its next round
          LOG.debugf("readiness gate %s on pod %s: %s", type, key, e.getMessage());
        } finally {
          inFlight.remove(key);
        }
      });
    } catch (RuntimeException e) {
      inFlight.remove(key); // rejected: shut down
      return false;
    }
    return true;
  }

  /** Forgets a deleted pod. */
  void forget(String namespace, String pod) {
    writtenOver.remove(namespace + "/" + pod);
  }

  /**
   * One JSON patch of pods/status: a test of the cached resourceVersion, so that conditions the kubelet changed
   * meanwhile are never overwritten (on a conflict the next round writes from the refreshed cache), and the conditions
   * with the gate's one replaced. Pure.
   */
  static String jsonPatch(Pod pod, String type, PodGate.Verdict verdict, Clock clock) {
    List<PodCondition> conditions = new ArrayList<>(
        pod.getStatus() == null || pod.getStatus().getConditions() == null ? List.of() : pod.getStatus().getConditions());
    PodCondition old = PodGate.find(conditions, type);
    conditions.remove(old);
    // as the kubelet does: the transition time moves only when the status changes
    String transition = old != null && verdict.statusText().equals(old.getStatus()) && old.getLastTransitionTime() != null
        ? old.getLastTransitionTime() : clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
    String message = verdict.message() == null ? "" : verdict.message();
    if (message.length() > 300) {
      message = message.substring(0, 297) + "...";
    }
    conditions.add(new PodConditionBuilder().withType(type).withStatus(verdict.statusText()).withReason(verdict.reason())
        .withMessage(message).withLastTransitionTime(transition).build());
    var mapper = Serialization.jsonMapper();
    var ops = mapper.createArrayNode();
    ops.addObject().put("op", "test").put("path", "/metadata/resourceVersion").put("value", pod.getMetadata().getResourceVersion());
    ops.addObject().put("op", "replace").put("path", "/status/conditions").set("value", mapper.valueToTree(conditions));
    return ops.toString();
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
