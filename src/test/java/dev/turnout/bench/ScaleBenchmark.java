package dev.turnout.bench;

import dev.turnout.backup.agent.S3TestServer;
import dev.turnout.sim.ClusterSimulator;
import dev.turnout.sim.EmbeddedCluster;
import dev.turnout.testing.OperatorProcess;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The scale benchmark on the embedded cluster (fabric8's mock API server and the simulator, in this JVM) with the
 * packaged operator jar as a process of its own, as `make run` starts it: so heap and RSS are the operator's alone.
 * Not a test (no Test suffix). {@code make bench} runs it; alone, after {@code make build}:
 *
 * <pre>
 * mvn -B -q test-compile exec:java -Dexec.mainClass=dev.turnout.bench.ScaleBenchmark -Dexec.classpathScope=test \
 *   -Dbench.releases=1000 -Dbench.backups=100 -Dbench.probeReleases=100
 * </pre>
 */
public final class ScaleBenchmark {
  static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar");
  static final Path WORK = Path.of("target/bench");
  /** The operator's bearer token: the mock server accepts any, and the recorded requests tell the operator by it. */
  static final String TOKEN = "turnout-operator";
  private static final java.util.logging.Logger MOCK_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");
  private static OperatorProcess operator;
  private static int starts;

  public static void main(String[] args) throws Exception {
    if (!Files.isRegularFile(JAR)) {
      System.out.println(JAR + " not found: run `make build` first");
      System.exit(2);
    }
    MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
    // however the benchmark ends (Ctrl-C, a timeout), the operator process must not outlive it
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      if (operator != null) {
        operator.process().destroyForcibly();
      }
    }, "bench-operator-stop"));
    int rc = 0;
    try (EmbeddedCluster cluster = EmbeddedCluster.start(); S3TestServer s3 = new S3TestServer()) {
      cluster.applyCrds(Path.of("crds"));
      cluster.createNamespaces("turnout-system");
      ClusterSimulator sim = ClusterSimulator.builder(cluster.client()).readyDelay(Duration.ofMillis(150)).start();
      Path kubeconfig = cluster.writeKubeconfig(WORK.resolve("kubeconfig"), "turnout-system");
      Files.writeString(kubeconfig, Files.readString(kubeconfig).replaceAll("token: .*", "token: " + TOKEN));
      String bucket = s3.newBucket();
      try (MockServerRequests requests = new MockServerRequests(cluster.server(), TOKEN)) {
        Duration first = start(kubeconfig);
        System.out.printf("BENCH embedded cluster, operator jar as a process (pid %d)%n", operator.pid());
        System.out.printf("BENCH   start-up to ready on an empty cluster: %.1f s%n", first.toMillis() / 1000.0);
        ScaleScenario.Target target = new ScaleScenario.Target() {
          public KubernetesClient admin() {
            return cluster.client();
          }

          public OperatorRequests requests() {
            return requests;
          }

          public ProcessStats operator() {
            return new ProcessStats(operator.pid(), operator.url("/q/metrics"));
          }

          public String s3Endpoint() {
            return s3.endpoint();
          }

          public String s3Bucket() {
            return bucket;
          }

          public void serve(String ns, Map<String, String> selector, com.sun.net.httpserver.HttpHandler handler) {
            sim.serve(ns, selector, handler);
          }
        };
        ScaleRun.run(target, new ConfigBuilder().withMasterUrl(cluster.url()).withTrustCerts(true).withOauthToken("bench").build(),
            () -> {
              operator.close();
              return start(kubeconfig);
            });
      } catch (Exception e) {
        System.out.println("BENCH FAILED: " + e);
        e.printStackTrace(System.out);
        rc = 1;
      } finally {
        if (operator != null) {
          operator.close();
        }
        sim.close();
      }
    }
    System.exit(rc);
  }

  static Duration start(Path kubeconfig) throws Exception {
    Path log = WORK.resolve("operator-" + (++starts) + ".log");
    Files.deleteIfExists(log);
    long t = System.nanoTime();
    operator = OperatorProcess.start(JAR, kubeconfig, log, Map.of("TURNOUT_LEASE_NAMESPACE", "turnout-system"));
    if (!operator.awaitReady(Duration.ofMinutes(5))) {
      throw new IllegalStateException("the operator did not become ready; see " + log);
    }
    return Duration.ofNanos(System.nanoTime() - t);
  }
}
