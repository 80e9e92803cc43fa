package dev.turnout.common;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps a reconcile from deciding on a copy of a resource older than the operator's own last write to it. The informer
 * cache can still hold the copy from before that write (the watch event is on its way), or even an older one; acting
 * on it would redo a switch or a rollback. A cached copy is stale while its resourceVersion is lower than the one
 * the write returned; the reconcile is then rescheduled until the watch delivers it.
 *
 * <p>resourceVersions are opaque by contract, but every etcd-backed API server hands out integers that grow with
 * each write (JOSDK compares them the same way with parseResourceVersions); when either is not an integer, the guard
 * falls back to the weaker test "still the version from before the write". Memory only: after a restart the caches
 * are fresh, so nothing is lost.
 */
public final class StaleReadGuard {
  private record Written(String before, String after) {}

  private final Map<String, Written> writes = new ConcurrentHashMap<>();

  static String key(HasMetadata r) {
    return r.getMetadata().getNamespace() + "/" + r.getMetadata().getName();
  }

  /** True when this copy predates the operator's own last write. */
  public boolean isStale(HasMetadata cached) {
    Written w = writes.get(key(cached));
    if (w == null) {
      return false;
    }
    if (isOlder(cached.getMetadata().getResourceVersion(), w)) {
      return true;
    }
    writes.remove(key(cached), w);
    return false;
  }

  static boolean isOlder(String cached, Written w) {
    if (cached == null) {
      return false;
    }
    try {
      if (w.after() != null) {
        return Long.parseLong(cached) < Long.parseLong(w.after());
      }
    } catch (NumberFormatException e) {
      // not an etcd revision: only the exact version from before the write is known to be stale
    }
    return cached.equals(w.before());
  }

  /**
   * Records a write.
   *
   * @param cachedBeforeWrite the copy the reconcile started from
   * @param versionAfterWrite the resourceVersion the API server returned for the write, or null when unknown
   */
  public void wrote(HasMetadata cachedBeforeWrite, String versionAfterWrite) {
    writes.put(key(cachedBeforeWrite), new Written(cachedBeforeWrite.getMetadata().getResourceVersion(), versionAfterWrite));
  }

  public void forget(HasMetadata r) {
    writes.remove(key(r));
  }
}
