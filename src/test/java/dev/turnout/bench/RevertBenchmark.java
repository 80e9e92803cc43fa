package dev.turnout.bench;

import static dev.turnout.testing.Releases.color;
import static org.awaitility.Awaitility.await;

import dev.turnout.apprelease.AppRelease;
import dev.turnout.common.LocalObjectRef;
import dev.turnout.healthpolicy.GateState;
import dev.turnout.healthpolicy.probe.ProbeScheduler;
import dev.turnout.healthpolicy.probe.ProbeSnapshot;
import dev.turnout.sim.FastApiBackend;
import dev.turnout.testing.EmbeddedClusterResource;
import dev.turnout.testing.HealthPolicies;
import dev.turnout.testing.Releases;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Revert latency on the embedded cluster: N releases with the sample backend's HealthPolicy (interval 1 s, thresholds
 * 2, revert on failure) and 2 pods per color serving real HTTP switch to green, {@code bench.staggerMillis} apart;
 * once every post-promotion watch passes, each green's database goes down, again that far apart. Measured per release, up to the moment a watch of our own sees the active
 * Service's selector back on blue:
 * <ul>
 *   <li>from the failure threshold as the health gate recorded it ({@code failureThresholdReachedAt}, the finish of
 *       the second failing round, read from the {@link ProbeScheduler}'s snapshot);
 *   <li>from the last answer of the second failing round as the pods' HTTP servers sent it (independent of the
 *       operator's bookkeeping);
 *   <li>from the outage, as a client sees it (two failing rounds at 1 s included).
 * </ul>
 * Also prints probes per second, the operator's own revert metric and the reconcile timings JOSDK reports.
 *
 * <p>Not part of the suite (no Test suffix): {@code make bench}, or
 * {@code mvn -B -q test -Djacoco.skip=true -Dtest=RevertBenchmark -Dbench.releases=100}. Prints only.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedClusterResource.class)
class RevertBenchmark {
  @Inject KubernetesClient client;
  @Inject MeterRegistry registry;
  @Inject ProbeScheduler scheduler;

  @Test
  void run() throws Exception {
    int n = Integer.getInteger("bench.releases", 50);
    long stagger = Long.getLong("bench.staggerMillis", 100);
    try (ClusterObserver seen = new ClusterObserver(EmbeddedClusterResource.cluster().url(), "revert-")) {
      List<String> namespaces = new ArrayList<>();
      Map<String, ProbeRecorder> greens = new TreeMap<>();
      for (int i = 0; i < n; i++) {
        String ns = Releases.newNamespace(client, "revert");
        namespaces.add(ns);
        EmbeddedClusterResource.simulator().serve(ns, color("backend", "blue"), new FastApiBackend("https://x"));
        ProbeRecorder green = new ProbeRecorder(new FastApiBackend("https://x"));
        greens.put(ns, green);
        EmbeddedClusterResource.simulator().serve(ns, color("backend", "green"), green);
        client.resource(HealthPolicies.backendHealth(ns, "https://x", spec -> spec.postPromotion.windowSeconds = 600)).create();
        AppRelease ar = Releases.backend(ns, "1.0.0", 2);
        ar.getSpec().healthPolicyRef = new LocalObjectRef(HealthPolicies.NAME);
        client.resource(ar).create();
      }
      long t0 = System.nanoTime();
      await().atMost(Duration.ofMinutes(5)).until(() -> namespaces.stream().allMatch(ns -> "blue".equals(seen.selected(ns, "backend"))));
      double live = (System.nanoTime() - t0) / 1e9;
      List<String> anomalies = new ArrayList<>();
      List<String> measured = switchToGreen(seen, namespaces, stagger, anomalies);

      double c0 = checks();
      long p0 = System.nanoTime();
      Thread.sleep(5000);
      double perSecond = (checks() - c0) / ((System.nanoTime() - p0) / 1e9);

      Map<String, ClusterObserver.Stamp> outages = new ConcurrentHashMap<>();
      Map<String, Instant> thresholds = new ConcurrentHashMap<>();
      // the gate keeps failureThresholdReachedAt until it opens again; read it as soon as the revert is seen, and
      // while waiting, in case a later version of the operator stops probing right after a revert
      seen.onSelectorChange(c -> {
        if ("blue".equals(c.color()) && outages.containsKey(c.namespace())) {
          threshold(c.namespace()).ifPresent(t -> thresholds.putIfAbsent(c.namespace(), t));
        }
      });
      for (String ns : measured) {
        greens.get(ns).fail();
        outages.put(ns, ClusterObserver.Stamp.now());
        Thread.sleep(stagger);
      }
      await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(20)).until(() -> {
        measured.forEach(ns -> threshold(ns).ifPresent(t -> thresholds.putIfAbsent(ns, t)));
        return measured.stream().allMatch(ns -> "blue".equals(seen.selected(ns, "backend")));
      });

      Latencies fromThreshold = new Latencies("failure threshold reached -> Service reverted");
      Latencies fromProbe = new Latencies("  2nd failing round answered -> reverted");
      Latencies fromOutage = new Latencies("outage -> Service reverted");
      for (String ns : measured) {
        ClusterObserver.SelectorChange revert = seen.lastChange(ns, "backend", "blue").orElseThrow();
        double sinceOutage = revert.seen().millisSince(outages.get(ns));
        if (sinceOutage < 0) {
          anomalies.add("reverted before its outage, not measured: " + describe(seen, ns));
          continue;
        }
        fromOutage.add(sinceOutage);
        Instant threshold = thresholds.get(ns);
        if (threshold == null) {
          anomalies.add(ns + ": no failureThresholdReachedAt seen");
        } else {
          fromThreshold.add(revert.seen().millisSince(threshold));
        }
        Optional<ClusterObserver.Stamp> answered = greens.get(ns).endOfFailingRound(2);
        if (answered.isEmpty()) {
          anomalies.add(ns + ": the pods answered fewer than 2 failing rounds before the revert");
        } else {
          fromProbe.add(revert.seen().millisSince(answered.get()));
        }
      }
      System.out.printf("%nBENCH revert latency: %d releases (%d measured), 2 pods per color, HealthPolicy interval 1 s,"
          + " failureThreshold 2, switches and outages %d ms apart (all %d live on blue after %.1f s)%n",
          n, measured.size(), stagger, n, live);
      System.out.println(fromThreshold.line("target p50 100 ms"));
      System.out.println(fromProbe.line("measured at the pods' HTTP servers"));
      System.out.println(fromOutage.line("includes 2 failing rounds at 1 s"));
      anomalies.forEach(a -> System.out.println("BENCH   ANOMALY " + a));
      printOperatorMetrics(n, perSecond);
    }
  }

  /**
   * Gives every release a new version, {@code stagger} apart, and waits until each is on green with its post-promotion
   * watch probing and passing. A release the operator reverts on its own right after the switch (seen under load: the
   * watch failed on "no ready endpoints" while the active Service's EndpointSlice still listed the old color) is
   * reported and gets another version, up to 3 switches in all. Returns the releases ready for an outage.
   */
  List<String> switchToGreen(ClusterObserver seen, List<String> namespaces, long stagger, List<String> anomalies)
      throws InterruptedException {
    Map<String, Integer> switches = new ConcurrentHashMap<>();
    List<String> toSwitch = new ArrayList<>(namespaces);
    for (int attempt = 1; attempt <= 3 && !toSwitch.isEmpty(); attempt++) {
      String version = "1.1." + attempt;
      for (String ns : toSwitch) {
        Releases.update(client, ns, "backend", ar -> ar.getSpec().version = version);
        switches.merge(ns, 1, Integer::sum);
        Thread.sleep(stagger);
      }
      try {
        await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(200)).until(() -> namespaces.stream()
            .allMatch(ns -> watching(seen, ns) || revertedEarly(seen, ns, switches.get(ns))));
      } catch (org.awaitility.core.ConditionTimeoutException e) {
        namespaces.stream().filter(ns -> !watching(seen, ns)).forEach(ns -> System.out.println("BENCH   STUCK " + describe(seen, ns)));
        throw e;
      }
      toSwitch = namespaces.stream().filter(ns -> !watching(seen, ns)).toList();
      if (!toSwitch.isEmpty()) {
        AppRelease first = client.resources(AppRelease.class).inNamespace(toSwitch.get(0)).withName("backend").get();
        anomalies.add(String.format("%d release(s) reverted on their own right after switch %d, before any outage (%s): %s; %s: %s",
            toSwitch.size(), attempt, attempt < 3 ? "promoted again" : "not measured", toSwitch, toSwitch.get(0),
            first.getStatus().message));
      }
    }
    return namespaces.stream().filter(ns -> watching(seen, ns)).toList();
  }

  /** On green, with the post-promotion watch probing and its gate open. */
  boolean watching(ClusterObserver seen, String ns) {
    return "green".equals(seen.selected(ns, "backend")) && post(ns).map(s -> s.gate().isOpen()).orElse(false);
  }

  /** Switched to green as often as asked to, and back to blue already. */
  boolean revertedEarly(ClusterObserver seen, String ns, int switches) {
    return seen.changes(ns, "backend", "green") >= switches && "blue".equals(seen.selected(ns, "backend"));
  }

  String describe(ClusterObserver seen, String ns) {
    AppRelease ar = client.resources(AppRelease.class).inNamespace(ns).withName("backend").get();
    return String.format("%s: Service on %s, post-promotion gate %s, status %s: %s", ns, seen.selected(ns, "backend"),
        post(ns).map(s -> s.gate().toString()).orElse("not probed"), ar.getStatus().phase, ar.getStatus().message);
  }

  Optional<ProbeSnapshot> post(String ns) {
    // PolicyHealthGate's key of the post-promotion watch: <namespace>/<release>/post
    return scheduler.snapshot(ns + "/backend/post");
  }

  Optional<Instant> threshold(String ns) {
    return post(ns).map(ProbeSnapshot::gate).flatMap(GateState::failureThresholdReachedAt);
  }

  double checks() {
    return registry.find("turnout.health.checks").counters().stream().mapToDouble(c -> c.count()).sum();
  }

  /** What the operator reports about itself, for comparison: its revert metric, probe rate and reconcile timers. */
  void printOperatorMetrics(int n, double checksPerSecond) {
    System.out.printf("BENCH probes: %.1f checks/s (%.1f HTTP requests/s, 2 pods each) for %d post-promotion watches%n",
        checksPerSecond, checksPerSecond * 2, n);
    double sum = 0;
    double max = 0;
    long count = 0;
    for (Timer t : registry.find("turnout.health.revert.latency").timers()) {
      sum += t.totalTime(TimeUnit.MILLISECONDS);
      max = Math.max(max, t.max(TimeUnit.MILLISECONDS));
      count += t.count();
    }
    System.out.printf("BENCH operator's metric turnout.health.revert.latency (threshold -> start of the reverting reconcile):"
        + " mean=%.1f ms max=%.1f ms n=%d%n", count == 0 ? 0 : sum / count, max, count);
    // the operator's reconcile timers per kind (max: the slowest single reconcile, incl. the first, cold ones)
    Map<String, double[]> byController = new TreeMap<>();
    for (Meter m : registry.getMeters()) {
      if (m instanceof Timer t && m.getId().getName().equals("turnout.reconcile.duration") && t.count() > 0) {
        double[] a = byController.computeIfAbsent(String.valueOf(m.getId().getTag("kind")), k -> new double[3]);
        a[0] += t.count();
        a[1] += t.totalTime(TimeUnit.MILLISECONDS);
        a[2] = Math.max(a[2], t.max(TimeUnit.MILLISECONDS));
      }
    }
    byController.forEach((c, a) -> System.out.printf("BENCH reconcile %s: count=%.0f mean=%.1f ms max=%.1f ms%n",
        c, a[0], a[1] / a[0], a[2]));
  }
}
