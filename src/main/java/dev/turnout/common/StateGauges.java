package dev.turnout.common;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

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
  private volatile Predicate<ResourceID> live = id -> true;
  private final long pruneEveryNanos;
  private volatile long lastPrune;

  private record Key(String metric, String namespace, String name, Tags extra) {}

  private record Entry(AtomicReference<Double> value, Gauge gauge) {}

  public StateGauges(MeterRegistry registry, String nameLabel) {
    this(registry, nameLabel, java.time.Duration.ofSeconds(30));
  }

  /** {@code pruneEvery}: how often at most the series of gone resources are looked for (they read NaN meanwhile). */
  public StateGauges(MeterRegistry registry, String nameLabel, java.time.Duration pruneEvery) {
    this.registry = registry;
    this.nameLabel = nameLabel;
    this.pruneEveryNanos = pruneEvery.toNanos();
    this.lastPrune = System.nanoTime() - pruneEveryNanos;
  }

  /**
   * Sets the gauge of {@code resource}; {@code live} tells whether a resource still exists (the controller's primary
   * cache: {@code id -> context.getPrimaryCache().get(id).isPresent()}).
   */
  public void set(Predicate<ResourceID> live, HasMetadata resource, String metric, String description,
      Tags extra, double value) {
    this.live = live;
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

  public void set(Predicate<ResourceID> live, HasMetadata resource, String metric, String description, double value) {
    set(live, resource, metric, description, Tags.empty(), value);
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
    return live.test(id);
  }

  private void pruneGone() {
    long now = System.nanoTime();
    if (now - lastPrune < pruneEveryNanos) {
      return; // a gone resource's gauges read NaN meanwhile
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
