package dev.turnout.common;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import java.util.function.UnaryOperator;

/**
 * An informer store that keeps only what {@code strip} leaves of each object (e.g. metadata and digests), so a cache
 * of many objects costs little memory and holds no Secret values. Event handlers still receive the full new object;
 * the old object of an update is the stripped one. One store per informer: a store shared by several informers would
 * lose the items of the others at each relist.
 */
public final class StrippedStore<T extends HasMetadata> extends BasicItemStore<T> {
  private final UnaryOperator<T> strip;

  public StrippedStore(UnaryOperator<T> strip) {
    super(Cache::metaNamespaceKeyFunc);
    this.strip = strip;
  }

  @Override
  public T put(String key, T obj) {
    return super.put(key, strip.apply(obj));
  }
}
