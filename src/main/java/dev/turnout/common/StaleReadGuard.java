package dev.turnout.common;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Remembers the resourceVersion a resource had just before the operator wrote its status. A reconcile that
 * still sees that version reads the informer cache from before its own write and must not act on it (it
 * would redo a switch or a rollback); it waits for the watch to deliver the newer version. Memory only: after
 * a restart the caches are fresh, so nothing is lost.
 */
public final class StaleReadGuard {
  private final Map<String, String> versionBeforeWrite = new ConcurrentHashMap<>();

  static String key(HasMetadata r) {
    return r.getMetadata().getNamespace() + "/" + r.getMetadata().getName();
  }

  /** True when this copy predates the operator's own last status write. */
  public boolean isStale(HasMetadata cached) {
    String before = versionBeforeWrite.get(key(cached));
    if (before == null) {
      return false;
    }
    if (before.equals(cached.getMetadata().getResourceVersion())) {
      return true;
    }
    versionBeforeWrite.remove(key(cached), before);
    return false;
  }

  public void wrote(HasMetadata cachedBeforeWrite) {
    versionBeforeWrite.put(key(cachedBeforeWrite), cachedBeforeWrite.getMetadata().getResourceVersion());
  }

  public void forget(HasMetadata r) {
    versionBeforeWrite.remove(key(r));
  }
}
