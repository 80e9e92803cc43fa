package dev.turnout.notify;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Webhook notifications (docs/notifications.md). The reconcilers hand what they recorded to {@link #submit} after
 * their status write; this returns at once: notifications go to one bounded queue per target, sent by that target's
 * own thread. Off (nothing computed, nothing queued) when no target is configured.
 *
 * <p>At most once per event per process: an id this process has queued is never queued again (ids are stable, so the
 * same happening seen again, e.g. recorded anew after a lost status write, is recognised). A notification still waiting
 * when the process ends is lost; a new process may send one again that the old one sent (a backup still stale), with
 * the same id, the idempotency key receivers can deduplicate on.
 */
@ApplicationScoped
public class Notifier {
  private static final Logger LOG = Logger.getLogger(Notifier.class);
  /** Ids remembered against repeats; older ones are forgotten first (a repeat that old is harmless: same id). */
  static final int REMEMBERED = 10_000;

  @Inject MeterRegistry registry;
  @Inject Clock clock;

  /** Empty (the default) when TURNOUT_NOTIFICATION_TARGETS is unset or empty: notifications are off. */
  @ConfigProperty(name = "turnout.notifications.targets")
  Optional<String> targetsJson;

  @ConfigProperty(name = "turnout.notifications.queue-size", defaultValue = "100")
  int queueSize;

  @ConfigProperty(name = "turnout.notifications.timeout", defaultValue = "10s")
  Duration timeout;

  @ConfigProperty(name = "turnout.notifications.max-attempts", defaultValue = "6")
  int maxAttempts;

  @ConfigProperty(name = "turnout.notifications.backoff", defaultValue = "2s")
  Duration backoff;

  @ConfigProperty(name = "turnout.notifications.max-backoff", defaultValue = "5m")
  Duration maxBackoff;

  private volatile List<TargetQueue> queues = List.of();
  private final Map<String, Boolean> seen = new LinkedHashMap<>(64, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
      return size() > REMEMBERED;
    }
  };

  void onStart(@Observes StartupEvent ev) {
    // a configuration mistake fails start-up (the pod crash-loops with the message) rather than silently sending nothing
    List<NotifyTarget> targets = NotifyTarget.parse(targetsJson.orElse(""));
    configure(targets, new TargetQueue.Settings(queueSize, timeout, maxAttempts, backoff, maxBackoff));
    if (!targets.isEmpty()) {
      LOG.infof("notifications to %s", targets);
    }
  }

  void onStop(@Observes ShutdownEvent ev) {
    configure(List.of(), null);
  }

  /** Replaces the targets (start-up; tests). Notifications still queued for the old ones are dropped. */
  synchronized void configure(List<NotifyTarget> targets, TargetQueue.Settings settings) {
    queues.forEach(TargetQueue::stop);
    queues = targets.stream().map(t -> new TargetQueue(t, settings, registry, clock)).toList();
    for (NotifyTarget t : targets) {
      // registered once per name, on this bean (a gauge holds its object weakly and keeps the first one registered)
      Gauge.builder("turnout.notification.queue.size", this, n -> n.queued(t.name()))
          .description("Notifications waiting to be sent").tag("target", t.name()).strongReference(true).register(registry);
    }
  }

  private double queued(String target) {
    return queues.stream().filter(q -> q.target().name().equals(target)).mapToInt(TargetQueue::size).sum();
  }

  public boolean enabled() {
    return !queues.isEmpty();
  }

  /**
   * Queues what {@code notices} computes for every target that wants it, never waiting for a target and never
   * throwing: a notification is worth less than the reconcile that calls this.
   */
  public void submit(Supplier<List<Notification>> notices) {
    List<TargetQueue> current = queues;
    if (current.isEmpty()) {
      return;
    }
    try {
      for (Notification n : notices.get()) {
        if (!firstTime(n.id())) {
          continue;
        }
        for (TargetQueue q : current) {
          if (q.target().wants(n.event())) {
            q.offer(n);
          }
        }
      }
    } catch (RuntimeException e) {
      LOG.warnf(e, "notifications not computed");
    }
  }

  private synchronized boolean firstTime(String id) {
    return seen.put(id, Boolean.TRUE) == null;
  }
}
