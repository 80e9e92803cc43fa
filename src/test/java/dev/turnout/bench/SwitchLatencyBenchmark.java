package dev.turnout.bench;

import static org.awaitility.Awaitility.await;

import dev.turnout.apprelease.AppRelease;
import dev.turnout.common.Labels;
import dev.turnout.testing.EmbeddedClusterResource;
import dev.turnout.testing.Releases;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Switch latency on the embedded cluster: from the moment the last pod of the new color became Ready (its Ready
 * condition's lastTransitionTime, written by the simulated kubelet) to the moment a watch of our own sees the active
 * Service's selector name the new color. N releases (no HealthPolicy, so the rollout and its EndpointSlice are the
 * only gates) go live on blue, then get a new version one after another, {@code bench.staggerMillis} apart; each
 * release switches once.
 *
 * <p>The figure includes what a real cluster adds too: the pod status write and its watch event, the EndpointSlice
 * controller's update (played by the simulator), its watch event to the operator, the operator's
 * reconcile and Service write, and the watch event to the observer. The two lines under it split it at the moment
 * both inputs of the operator's rollout gate are seen: the preview Service's EndpointSlice listing every new pod as
 * ready, and the Deployment's status saying every replica is ready and available.
 *
 * <p>Not part of the suite (no Test suffix): {@code make bench}, or
 * {@code mvn -B -q test -Djacoco.skip=true -Dtest=SwitchLatencyBenchmark -Dbench.releases=100}. Prints only; asserts
 * nothing about time.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedClusterResource.class)
class SwitchLatencyBenchmark {
  @Inject KubernetesClient client;

  @Test
  void run() throws Exception {
    int n = Integer.getInteger("bench.releases", 50);
    int replicas = Integer.getInteger("bench.replicas", 2);
    long stagger = Long.getLong("bench.staggerMillis", 1000);
    try (ClusterObserver seen = new ClusterObserver(EmbeddedClusterResource.cluster().url(), "switch-")) {
      List<String> namespaces = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        String ns = Releases.newNamespace(client, "switch");
        namespaces.add(ns);
        client.resource(Releases.backend(ns, "1.0.0", replicas)).create();
      }
      long t0 = System.nanoTime();
      await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(200)).until(() -> namespaces.stream().allMatch(ns -> {
        AppRelease ar = client.resources(AppRelease.class).inNamespace(ns).withName("backend").get();
        return "blue".equals(seen.selected(ns, "backend")) && ar.getStatus() != null && "Healthy".equals(ar.getStatus().phase);
      }));
      double live = (System.nanoTime() - t0) / 1e9;

      for (String ns : namespaces) {
        Releases.update(client, ns, "backend", ar -> ar.getSpec().version = "2.0.0");
        Thread.sleep(stagger);
      }
      await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(100))
          .until(() -> namespaces.stream().allMatch(ns -> "green".equals(seen.selected(ns, "backend"))));

      Latencies total = new Latencies("last new pod Ready -> active Service switched");
      Latencies slice = new Latencies("  Ready -> slice and Deployment status show it");
      Latencies operator = new Latencies("  both seen -> active Service switched");
      List<String> anomalies = new ArrayList<>();
      for (String ns : namespaces) {
        ClusterObserver.SelectorChange change = seen.lastChange(ns, "backend", "green").orElseThrow();
        List<ClusterObserver.Ready> pods = seen.ready(ns, Map.of(Labels.COLOR, "green"));
        if (pods.size() != replicas) {
          anomalies.add(ns + ": " + pods.size() + " green pods became Ready, expected " + replicas);
          continue;
        }
        ClusterObserver.Ready last = pods.stream().max(Comparator.comparing(ClusterObserver.Ready::transition)).orElseThrow();
        // what the rollout gate waits for: every new pod ready in the preview Service's EndpointSlice, and the
        // Deployment's status saying all replicas are updated, ready and available
        List<ClusterObserver.Stamp> inputs = new ArrayList<>();
        pods.forEach(p -> inputs.add(seen.endpointReady(ns, "backend-preview", p.pod()).orElse(null)));
        inputs.add(seen.rolledOut(ns, "backend-green").orElse(null));
        ClusterObserver.Stamp listed = inputs.contains(null) ? null
            : inputs.stream().max(Comparator.comparingLong(ClusterObserver.Stamp::nanos)).orElseThrow();
        double ms = change.seen().millisSince(last.transition());
        if (ms < 0 || listed == null) {
          anomalies.add(ns + ": switch seen " + ms + " ms after the last Ready; slice and Deployment status seen: " + listed);
        }
        total.add(ms);
        if (Boolean.getBoolean("bench.trace")) {
          // wall-clock times, to read next to the operator's log (-Dquarkus.log.category.\"dev.turnout\".level=DEBUG)
          System.out.printf("TRACE %s ready=%s inputs=%s switched=%s total=%.1f ms%n", ns,
              pods.stream().map(p -> p.transition().toString()).sorted().toList(),
              inputs.stream().map(s -> s == null ? "-" : s.wall().toString()).toList(), change.seen().wall(), ms);
        }
        if (listed != null) {
          slice.add(listed.millisSince(last.transition()));
          operator.add(change.seen().millisSince(listed));
        }
      }
      System.out.printf("%nBENCH switch latency: %d releases, %d pods per color, no HealthPolicy, version updates %d ms apart"
          + " (all %d live on blue after %.1f s)%n", n, replicas, stagger, n, live);
      System.out.println(total.line("target p50 50 ms"));
      System.out.println(slice.line("simulated EndpointSlice and Deployment controllers"));
      System.out.println(operator.line("operator: event, reconcile, write"));
      anomalies.forEach(a -> System.out.println("BENCH   ANOMALY " + a));
    }
  }
}
