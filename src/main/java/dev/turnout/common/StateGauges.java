package dev.turnout.common;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.reconciler.IndexedResourceCache;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Gauges that describe the current state of a custom resource (set from its status on every reconcile, so they
 * survive an operator restart), for alert rules. Two things a plain gauge gets wrong for alerts:
 * <ul>
 *   <li>a value that no longer applies must disappear (an alert on it would fire for ever): {@link #clear} removes
 *       the series;</li>
 *   <li>a deleted resource is never reconciled again (the operator sets no finalizer), so its series would stay with
 *       their last value: each gauge reads NaN (which no alert condition matches) as soon as the resource is gone
 *       from the controller's cache, and the next {@link #set} of any resource removes the series of the gone ones.</li>
 * </ul>
 * Labels: namespace plus one name label (bounded cardinality), plus the fixed extra tags a caller gives.
 */
public final class StateGauges {
  private final MeterRegistry registry;
  private final String nameLabel;
  private final Map<Key, Entry> entries = new ConcurrentHashMap<>();
  private volatile IndexedResourceCache<? extends HasMetadata> cache;
  private volatile long lastPrune;

  private record Key(String metric, String namespace, String name, Tags extra) {}

  private record Entry(AtomicReference<Double> value, Gauge gauge) {}

  public StateGauges(MeterRegistry registry, String nameLabel) {
    this.registry = registry;
    this.nameLabel = nameLabel;
  }

  /** Sets the gauge of {@code resource}; {@code cache} is the controller's primary cache (Context.getPrimaryCache()). */
  public void set(IndexedResourceCache<? extends HasMetadata> cache, HasMetadata resource, String metric, String description,
      Tags extra, double value) {
    if (this.cache != cache) {
      this.cache = cache;
    }
    pruneGone();
    Key key = new Key(metric, resource.getMetadata().getNamespace(), resource.getMetadata().getName(), extra);
    entries.computeIfAbsent(key, k -> {
      AtomicReference<Double> v = new AtomicReference<>(value);
      ResourceID id = new ResourceID(k.name(), k.namespace());
      Gauge g = Gauge.builder(metric, v, r -> exists(id) ? r.get() : Double.NaN)
          .description(description)
          .tags(Tags.of("namespace", k.namespace(), nameLabel, k.name()).and(extra))
          .register(registry);
      return new Entry(v, g);
    }).value().set(value);
  }

  public void set(IndexedResourceCache<? extends HasMetadata> cache, HasMetadata resource, String metric, String description,
      double value) {
    set(cache, resource, metric, description, Tags.empty(), value);
  }

  /** Removes the series of {@code metric} for {@code resource} (all extra tags), if any. */
  public void clear(HasMetadata resource, String metric) {
    entries.entrySet().removeIf(e -> {
      Key k = e.getKey();
      boolean match = k.metric().equals(metric) && k.namespace().equals(resource.getMetadata().getNamespace())
          && k.name().equals(resource.getMetadata().getName());
      if (match) {
        registry.remove(e.getValue().gauge());
      }
      return match;
    });
  }

  /** Removes the series of {@code metric} for {@code resource} whose extra tags are not {@code keep}. */
  public void clearOthers(HasMetadata resource, String metric, Tags keep) {
    entries.entrySet().removeIf(e -> {
      Key k = e.getKey();
      boolean match = k.metric().equals(metric) && k.namespace().equals(resource.getMetadata().getNamespace())
          && k.name().equals(resource.getMetadata().getName()) && !k.extra().equals(keep);
      if (match) {
        registry.remove(e.getValue().gauge());
      }
      return match;
    });
  }

  private boolean exists(ResourceID id) {
    IndexedResourceCache<? extends HasMetadata> c = cache;
    return c == null || c.get(id).isPresent();
  }

  private void pruneGone() {
    long now = System.nanoTime();
    if (now - lastPrune < 30_000_000_000L) {
      return; // at most every 30 s: a gone resource's gauges read NaN meanwhile
    }
    lastPrune = now;
    entries.entrySet().removeIf(e -> {
      boolean gone = !exists(new ResourceID(e.getKey().name(), e.getKey().namespace()));
      if (gone) {
        registry.remove(e.getValue().gauge());
      }
      return gone;
    });
  }
}
