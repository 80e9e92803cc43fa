package dev.turnout.bench;

import static org.awaitility.Awaitility.await;

import dev.turnout.apprelease.AppRelease;
import dev.turnout.common.WriteCounter;
import dev.turnout.testing.EmbeddedClusterResource;
import dev.turnout.testing.Releases;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * How the operator scales with the number of releases on the embedded cluster: N releases (1 pod per color)
 * go live, then all get a new version at once. Prints time to all Healthy, time to all switched, API writes
 * per release, and the heap in use after a GC. Not part of the suite (no Test suffix): {@code make bench}, or
 * {@code mvn -B -q test -Dtest=ReleaseScaleBenchmark -Djacoco.skip=true -Dbench.releases=100}.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedClusterResource.class)
class ReleaseScaleBenchmark {
  @Inject KubernetesClient client;
  @Inject WriteCounter writes;

  boolean all(List<String> namespaces, java.util.function.Predicate<AppRelease> p) {
    return namespaces.stream().allMatch(ns -> {
      AppRelease ar = client.resources(AppRelease.class).inNamespace(ns).withName("backend").get();
      return ar != null && ar.getStatus() != null && p.test(ar);
    });
  }

  @Test
  void run() {
    int n = Integer.getInteger("bench.releases", 50);
    List<String> namespaces = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      namespaces.add(Releases.newNamespace(client, "scale"));
    }
    long writesBefore = writes.total();
    long t0 = System.nanoTime();
    namespaces.forEach(ns -> client.resource(Releases.backend(ns, "1.0.0", 1)).create());
    await().atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofMillis(500))
        .until(() -> all(namespaces, ar -> "Healthy".equals(ar.getStatus().phase)));
    double live = (System.nanoTime() - t0) / 1e9;
    long t1 = System.nanoTime();
    for (String ns : namespaces) {
      await().ignoreExceptionsInstanceOf(KubernetesClientException.class).until(() -> {
        AppRelease ar = client.resources(AppRelease.class).inNamespace(ns).withName("backend").get();
        ar.getSpec().version = "2.0.0";
        client.resource(ar).update();
        return true;
      });
    }
    await().atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofMillis(500))
        .until(() -> all(namespaces, ar -> Long.valueOf(2).equals(ar.getStatus().activeRevision) && ar.getStatus().switchConvergedAt != null));
    double switched = (System.nanoTime() - t1) / 1e9;
    System.gc();
    long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    System.out.printf("%nBENCH release scale: %d releases, 1 pod per color, all at once%n", n);
    System.out.printf("BENCH   all live (blue, Healthy):        %.1f s (%.0f ms per release)%n", live, live * 1000 / n);
    System.out.printf("BENCH   all switched to a new version:   %.1f s (%.0f ms per release)%n", switched, switched * 1000 / n);
    System.out.printf("BENCH   operator API writes per release: %.1f (two versions)%n", (writes.total() - writesBefore) / (double) n);
    System.out.printf("BENCH   heap in use after GC (operator, simulator and mock API server in one JVM): %d MiB%n", heap >> 20);
  }
}
