package dev.turnout.testing;

import dev.turnout.sim.ClusterSimulator;
import dev.turnout.sim.EmbeddedCluster;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Starts the embedded cluster (fabric8 mock API server in CRUD mode, the CRDs from crds/) and the cluster
 * simulator before the operator, and points the operator's client at it. The same pieces run `make run`.
 */
public class EmbeddedClusterResource implements QuarkusTestResourceLifecycleManager {
  private static EmbeddedCluster cluster;
  private static ClusterSimulator simulator;

  @Override
  public synchronized Map<String, String> start() {
    if (cluster == null) {
      cluster = EmbeddedCluster.start();
      cluster.applyCrds(Path.of("crds"));
      simulator = ClusterSimulator.builder(cluster.client()).readyDelay(Duration.ofMillis(150)).start();
    }
    return Map.of(
        "quarkus.kubernetes-client.api-server-url", cluster.url(),
        "quarkus.kubernetes-client.trust-certs", "true",
        "quarkus.kubernetes-client.namespace", "default",
        "quarkus.operator-sdk.crd.apply", "false");
  }

  @Override
  public synchronized void stop() {
    // shared by every @QuarkusTest class of the run; the JVM exit ends it
  }

  public static EmbeddedCluster cluster() {
    return cluster;
  }

  public static ClusterSimulator simulator() {
    return simulator;
  }
}
