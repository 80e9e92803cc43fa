package dev.turnout.healthpolicy.probe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.turnout.healthpolicy.CheckSpec;
import dev.turnout.healthpolicy.GateState;
import dev.turnout.healthpolicy.HealthPolicySpec;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Probes many (release, target) pairs at once on Vert.x timers, one round every {@code intervalSeconds} per pair
 * (measured from the start of a round; rounds of one pair never overlap), and keeps the gate state of each.
 *
 * <p>No method blocks: {@link #register} and {@link #unregister} only schedule or cancel timers, {@link #snapshot}
 * reads an immutable value. A reconciler reads snapshots and never waits for a probe; it learns about gate changes
 * through the {@link GateListener}.
 *
 * <p>The target supplier is called on a Vert.x event loop before each round, so it must be cheap and non-blocking
 * (e.g. read the Service and its EndpointSlices from an informer cache); returning null or throwing fails the round.
 */
public final class ProbeScheduler implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(ProbeScheduler.class);
  private static final ObjectMapper MAPPER = new ObjectMapper();
  /** Default of {@code HealthPolicySpec.intervalSeconds}. */
  public static final int DEFAULT_INTERVAL_SECONDS = 5;

  private final Vertx vertx;
  private final CheckRunner runner;
  private final boolean ownsRunner;
  private final Clock clock;
  private final ConcurrentHashMap<String, Registration> registrations = new ConcurrentHashMap<>();
  private volatile boolean closed;
  private volatile java.util.function.BiConsumer<String, RoundResult> roundListener;

  /** A scheduler with its own {@link CheckRunner} on {@code vertx}. */
  public ProbeScheduler(Vertx vertx) {
    this(new CheckRunner(vertx), Clock.systemUTC(), true);
  }

  /** A scheduler that uses {@code runner} (not closed by {@link #close()}). */
  public ProbeScheduler(CheckRunner runner, Clock clock) {
    this(runner, clock, false);
  }

  private ProbeScheduler(CheckRunner runner, Clock clock, boolean ownsRunner) {
    this.vertx = runner.vertx();
    this.runner = runner;
    this.clock = clock;
    this.ownsRunner = ownsRunner;
  }

  private static final class Registration {
    final String key;
    final HealthPolicySpec spec;
    final JsonNode specTree;
    final long intervalMillis;
    volatile Supplier<Target> target;
    volatile GateListener listener;
    volatile ProbeSnapshot snapshot;
    volatile boolean cancelled;
    volatile long timerId = -1;

    Registration(String key, HealthPolicySpec spec, JsonNode specTree, Supplier<Target> target, GateListener listener) {
      this.key = key;
      this.spec = spec;
      this.specTree = specTree;
      this.intervalMillis = 1000L * (spec.intervalSeconds == null || spec.intervalSeconds < 1
          ? DEFAULT_INTERVAL_SECONDS : spec.intervalSeconds);
      this.target = target;
      this.listener = listener;
      this.snapshot = new ProbeSnapshot(key, GateState.initial(spec), List.of(), null);
    }
  }

  /**
   * Starts probing {@code target} with {@code policy} under {@code key}. Idempotent: registering the same key with an
   * equal policy only replaces the target supplier and the listener and keeps the gate state, so a reconciler may call
   * it on every reconcile; a changed policy starts over from Unknown. The first round starts within a second.
   */
  public void register(String key, HealthPolicySpec policy, Supplier<Target> target, GateListener listener) {
    if (closed) {
      throw new IllegalStateException("ProbeScheduler is closed");
    }
    JsonNode tree = MAPPER.valueToTree(policy);
    HealthPolicySpec copy;
    try {
      copy = MAPPER.treeToValue(tree, HealthPolicySpec.class); // later edits of the caller's object do not leak in
    } catch (Exception e) {
      throw new IllegalArgumentException("cannot copy the policy: " + e.getMessage(), e);
    }
    registrations.compute(key, (k, old) -> {
      if (old != null && !old.cancelled && old.specTree.equals(tree)) {
        old.target = target;
        old.listener = listener;
        return old;
      }
      if (old != null) {
        cancel(old);
      }
      Registration r = new Registration(key, copy, tree, target, listener);
      long jitter = 1 + ThreadLocalRandom.current().nextLong(Math.min(r.intervalMillis, 1000));
      schedule(r, jitter);
      return r;
    });
  }

  /** Stops probing {@code key}; a round in flight is discarded. */
  public void unregister(String key) {
    Registration r = registrations.remove(key);
    if (r != null) {
      cancel(r);
    }
  }

  /** The gate state and last results of {@code key}, or empty when it is not registered. */
  public Optional<ProbeSnapshot> snapshot(String key) {
    Registration r = registrations.get(key);
    return r == null ? Optional.empty() : Optional.of(r.snapshot);
  }

  /**
   * Told after every round of every key (on the event loop: must not block), e.g. to count results in metrics or
   * to hand per-endpoint results to a worker. Null removes it.
   */
  public void onRound(java.util.function.BiConsumer<String, RoundResult> listener) {
    this.roundListener = listener;
  }

  /** The registered keys. */
  public Set<String> keys() {
    return Set.copyOf(registrations.keySet());
  }

  private void cancel(Registration r) {
    r.cancelled = true;
    long id = r.timerId;
    if (id >= 0) {
      vertx.cancelTimer(id);
    }
  }

  private void schedule(Registration r, long delayMillis) {
    if (r.cancelled || closed) {
      return;
    }
    r.timerId = vertx.setTimer(Math.max(1, delayMillis), id -> round(r));
  }

  private void round(Registration r) {
    if (r.cancelled || closed) {
      return;
    }
    long start = System.nanoTime();
    Future<RoundResult> result;
    try {
      Target target = r.target.get();
      result = target == null
          ? Future.succeededFuture(failedRound(r.spec, "no target: the Service under test or its EndpointSlices are not known yet"))
          : runner.runRound(r.spec, target);
    } catch (RuntimeException e) {
      result = Future.succeededFuture(failedRound(r.spec, "no target: " + e));
    }
    result.onComplete(ar -> {
      if (r.cancelled || closed) {
        return;
      }
      RoundResult round = ar.succeeded() ? ar.result() : failedRound(r.spec, "internal error: " + ar.cause());
      GateState previous = r.snapshot.gate();
      GateState next = previous.record(round.outcomes(), round.time());
      r.snapshot = new ProbeSnapshot(r.key, next, round.results(), round.time());
      var rl = roundListener;
      if (rl != null) {
        try {
          rl.accept(r.key, round);
        } catch (RuntimeException e) {
          LOG.warnf(e, "round listener for %s failed", r.key);
        }
      }
      if (next.gate() != previous.gate()) {
        try {
          GateListener l = r.listener;
          if (l != null) {
            l.gateChanged(r.key, previous, next);
          }
        } catch (RuntimeException e) {
          LOG.warnf(e, "gate listener for %s failed", r.key);
        }
      }
      long elapsed = (System.nanoTime() - start) / 1_000_000;
      schedule(r, r.intervalMillis - elapsed);
    });
  }

  private RoundResult failedRound(HealthPolicySpec spec, String message) {
    List<CheckResult> results = new ArrayList<>();
    if (spec.checks != null) {
      for (CheckSpec c : spec.checks) {
        results.add(CheckResult.fail(c.name, 0, clock.instant(), message));
      }
    }
    return new RoundResult(clock.instant(), results);
  }

  /** Cancels every registration (and closes the runner when this scheduler created it). */
  @Override
  public void close() {
    closed = true;
    registrations.values().forEach(this::cancel);
    registrations.clear();
    if (ownsRunner) {
      runner.close();
    }
  }
}
