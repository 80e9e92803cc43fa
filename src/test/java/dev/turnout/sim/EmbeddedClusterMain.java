package dev.turnout.sim;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * Runs an embedded cluster and its simulator until killed, for `make run` and for trying the
 * operator by hand: KUBECONFIG=target/embedded/kubeconfig kubectl get pods -A.
 *
 * <p>Arguments (all optional): port (default 18443), kubeconfig path (default
 * target/embedded/kubeconfig), CRD directory (default crds/, else target/kubernetes/),
 * namespaces to create (default "default").
 */
public final class EmbeddedClusterMain {
  private EmbeddedClusterMain() {}

  public static void main(String[] args) throws InterruptedException {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 18443;
    Path kubeconfig = Path.of(args.length > 1 ? args[1] : "target/embedded/kubeconfig");
    Path crds = args.length > 2 ? Path.of(args[2])
        : Files.isDirectory(Path.of("crds")) ? Path.of("crds") : Path.of("target/kubernetes");
    String[] namespaces = args.length > 3 ? args[3].split(",") : new String[] {"default"};

    EmbeddedCluster cluster = EmbeddedCluster.start(port, true);
    if (Files.isDirectory(crds)) {
      cluster.applyCrds(crds);
    }
    cluster.createNamespaces(namespaces);
    ClusterSimulator simulator = ClusterSimulator.start(cluster.client());
    cluster.writeKubeconfig(kubeconfig, namespaces[0]);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      simulator.close();
      cluster.close();
      stopped.countDown();
    }));
    System.out.println("Embedded cluster: " + cluster.url());
    System.out.println("KUBECONFIG=" + kubeconfig.toAbsolutePath());
    stopped.await();
  }
}
