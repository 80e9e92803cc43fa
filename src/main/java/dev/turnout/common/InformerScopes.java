package dev.turnout.common;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Informers the operator starts itself (not through JOSDK), in the same scope as its controllers: one set for the
 * whole cluster when it watches every namespace, one set per namespace when it watches a list of them (a namespaced
 * Role cannot list cluster-wide). A set is started on first use, from a reconcile thread (it blocks until its informers
 * have listed); lookups that must not block (e.g. on the Vert.x event loop) use {@link #get}.
 *
 * @param <S> the informers of one scope
 */
public final class InformerScopes<S> {
  private static final String ALL = "*";

  private final boolean clusterWide;
  /** Starts the informers of a scope: null for the whole cluster, else one namespace. */
  private final Function<String, S> starter;
  private final Map<String, S> scopes = new ConcurrentHashMap<>();

  /** @param watchedNamespaces the controllers' setting (quarkus.operator-sdk.namespaces): JOSDK_ALL_NAMESPACES or a list */
  public InformerScopes(String watchedNamespaces, Function<String, S> starter) {
    this.clusterWide = watchedNamespaces == null || watchedNamespaces.isBlank() || watchedNamespaces.contains("JOSDK_ALL_NAMESPACES");
    this.starter = starter;
  }

  /** The started scope of {@code namespace}, or null; never blocks. */
  public S get(String namespace) {
    return scopes.get(clusterWide ? ALL : namespace);
  }

  /** The scope of {@code namespace}, started (and listed) first if needed; reconcile threads only. */
  public S start(String namespace) {
    String key = clusterWide ? ALL : namespace;
    S existing = scopes.get(key);
    if (existing != null) {
      return existing;
    }
    synchronized (this) {
      return scopes.computeIfAbsent(key, k -> starter.apply(clusterWide ? null : namespace));
    }
  }

  public synchronized void close(Consumer<S> closer) {
    scopes.values().forEach(closer);
    scopes.clear();
  }
}
