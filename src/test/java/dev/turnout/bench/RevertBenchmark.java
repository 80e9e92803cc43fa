package dev.turnout.bench;

import static dev.turnout.testing.Releases.color;
import static org.awaitility.Awaitility.await;

import dev.turnout.apprelease.AppRelease;
import dev.turnout.common.Labels;
import dev.turnout.common.LocalObjectRef;
import dev.turnout.healthpolicy.CheckSpec;
import dev.turnout.healthpolicy.HealthPolicy;
import dev.turnout.healthpolicy.HealthPolicySpec;
import dev.turnout.sim.FastApiBackend;
import dev.turnout.testing.EmbeddedClusterResource;
import dev.turnout.testing.Releases;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Revert latency and probe throughput of the whole operator on the embedded cluster: N releases, each with a
 * HealthPolicy (interval 1 s, thresholds 2) and 2 pods per color serving real HTTP; all switch to green, then every
 * green's database goes down at once. Prints the time from the failure threshold to the Service revert (the
 * turnout.health.revert.latency metric), the time from the outage to the revert, probes per second, and the
 * reconcile timings JOSDK reports.
 *
 * <p>Not part of the test suite (the class name has no Test suffix, so surefire skips it); run on demand:
 * {@code mvn -B -q test -Dtest=RevertBenchmark -Djacoco.skip=true -Dbench.releases=10}.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedClusterResource.class)
class RevertBenchmark {
  @Inject KubernetesClient client;
  @Inject MeterRegistry registry;

  String active(String ns) {
    Service s = client.services().inNamespace(ns).withName("backend").get();
    return s == null ? null : s.getSpec().getSelector().get(Labels.COLOR);
  }

  double checks() {
    return registry.find("turnout.health.checks").counters().stream().mapToDouble(c -> c.count()).sum();
  }

  @Test
  void run() throws Exception {
    int n = Integer.getInteger("bench.releases", 10);
    List<String> namespaces = new ArrayList<>();
    List<FastApiBackend> greens = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String ns = Releases.newNamespace(client, "bench");
      namespaces.add(ns);
      EmbeddedClusterResource.simulator().serve(ns, color("backend", "blue"), new FastApiBackend("https://x"));
      FastApiBackend green = new FastApiBackend("https://x");
      greens.add(green);
      EmbeddedClusterResource.simulator().serve(ns, color("backend", "green"), green);
      client.resource(policy(ns)).create();
      AppRelease ar = Releases.backend(ns, "1.0.0", 2);
      ar.getSpec().healthPolicyRef = new LocalObjectRef("backend-health");
      client.resource(ar).create();
    }
    long t0 = System.nanoTime();
    await().atMost(Duration.ofMinutes(3)).until(() -> namespaces.stream().allMatch(ns -> "blue".equals(active(ns))));
    System.out.printf("BENCH %d releases live on blue after %.1f s%n", n, (System.nanoTime() - t0) / 1e9);
    for (String ns : namespaces) {
      client.resources(AppRelease.class).inNamespace(ns).withName("backend").edit(ar -> {
        ar.getSpec().version = "1.1.0";
        return ar;
      });
    }
    t0 = System.nanoTime();
    await().atMost(Duration.ofMinutes(3)).until(() -> namespaces.stream().allMatch(ns -> "green".equals(active(ns))
        && client.resources(AppRelease.class).inNamespace(ns).withName("backend").get().getStatus().switchConvergedAt != null));
    System.out.printf("BENCH %d releases switched to green after %.1f s (>= 2 passing rounds of 1 s)%n", n, (System.nanoTime() - t0) / 1e9);

    double c0 = checks();
    long p0 = System.nanoTime();
    Thread.sleep(5000);
    double perSecond = (checks() - c0) / ((System.nanoTime() - p0) / 1e9);
    System.out.printf("BENCH probes: %.1f checks/s (%.1f HTTP requests/s, 2 pods each) for %d post-promotion watches%n",
        perSecond, perSecond * 2, n);

    long outage = System.nanoTime();
    greens.forEach(g -> g.mode(FastApiBackend.Mode.DATABASE_DOWN));
    List<Double> outageToRevert = new ArrayList<>();
    List<String> pending = new ArrayList<>(namespaces);
    await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(20)).until(() -> {
      pending.removeIf(ns -> {
        if ("blue".equals(active(ns))) {
          outageToRevert.add((System.nanoTime() - outage) / 1e6);
          return true;
        }
        return false;
      });
      return pending.isEmpty();
    });
    Thread.sleep(500); // the metric is recorded right after the Service write a client may already see
    Timer latency = registry.find("turnout.health.revert.latency").timers().stream().reduce((a, b) -> a).orElse(null);
    double sum = 0;
    double max = 0;
    long count = 0;
    for (Timer t : registry.find("turnout.health.revert.latency").timers()) {
      sum += t.totalTime(TimeUnit.MILLISECONDS);
      max = Math.max(max, t.max(TimeUnit.MILLISECONDS));
      count += t.count();
    }
    outageToRevert.sort(Double::compare);
    System.out.printf("BENCH revert latency (failure threshold reached -> Service reverted): n=%d mean=%.0f ms max=%.0f ms%n",
        count, count == 0 ? 0 : sum / count, max);
    System.out.printf("BENCH outage -> revert seen by a client poll: median=%.0f ms max=%.0f ms (2 failing rounds at 1 s + revert)%n",
        outageToRevert.get(outageToRevert.size() / 2), outageToRevert.get(outageToRevert.size() - 1));
    // JOSDK's reconcile timers, summed per controller (max: the slowest single reconcile, incl. the first, cold ones)
    java.util.Map<String, double[]> byController = new java.util.TreeMap<>();
    for (Meter m : registry.getMeters()) {
      if (m instanceof Timer t && m.getId().getName().equals("operator.sdk.controllers.execution.reconcile") && t.count() > 0) {
        double[] a = byController.computeIfAbsent(String.valueOf(m.getId().getTag("controller")), k -> new double[3]);
        a[0] += t.count();
        a[1] += t.totalTime(TimeUnit.MILLISECONDS);
        a[2] = Math.max(a[2], t.max(TimeUnit.MILLISECONDS));
      }
    }
    byController.forEach((c, a) -> System.out.printf("BENCH reconcile %s: count=%.0f mean=%.1f ms max=%.1f ms%n",
        c, a[0], a[1] / a[0], a[2]));
    if (latency == null) {
      System.out.println("BENCH no revert latency recorded");
    }
  }

  static HealthPolicy policy(String ns) {
    CheckSpec api = new CheckSpec();
    api.name = "api";
    api.timeoutSeconds = 3;
    api.http = new CheckSpec.HttpCheck();
    api.http.path = FastApiBackend.HEALTH_PATH;
    api.http.port = new IntOrString("http");
    api.http.expectStatus = List.of(200);
    HealthPolicySpec spec = new HealthPolicySpec();
    spec.checks = List.of(api);
    spec.intervalSeconds = 1;
    spec.successThreshold = 2;
    spec.failureThreshold = 2;
    spec.postPromotion = new HealthPolicySpec.PostPromotionSpec();
    spec.postPromotion.windowSeconds = 600;
    spec.postPromotion.revertOnFailure = true;
    HealthPolicy p = new HealthPolicy();
    p.getMetadata().setName("backend-health");
    p.getMetadata().setNamespace(ns);
    p.setSpec(spec);
    return p;
  }
}
