package dev.turnout.realtier;

import dev.turnout.sim.ClusterSimulator;
import dev.turnout.sim.EmbeddedCluster;
import dev.turnout.testing.OperatorProcess;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One real tier per test JVM, shared by every *RealIT class: the real control plane, the CRDs from crds/ (as
 * `kubectl apply -f crds/`), the chart's identity and RBAC, the fake node (the simulator in kubelet-only mode) and
 * the packaged operator jar running with the chart's ServiceAccount token, in the prod profile (leader election on).
 */
public final class RealTier {
  private static final Logger LOG = LoggerFactory.getLogger(RealTier.class);
  static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar");
  static final Path WORK = Path.of("target/real-tier");
  public static final String LEASE = "turnout-operator-lock";
  private static RealTier instance;
  private static RuntimeException failedStart;

  private final ControlPlane plane;
  private final ChartIdentity identity;
  private final ClusterSimulator simulator;
  private final AuditLog audit;
  private volatile OperatorProcess operator;
  private int operatorStarts;

  private RealTier(ControlPlane plane, ChartIdentity identity, ClusterSimulator simulator) {
    this.plane = plane;
    this.identity = identity;
    this.simulator = simulator;
    this.audit = new AuditLog(plane.auditLog(), identity.userName());
  }

  /** Starts the tier on first use; later calls return the same one. */
  public static synchronized RealTier get() {
    if (failedStart != null) {
      throw failedStart;
    }
    if (instance == null) {
      try {
        instance = start();
      } catch (IOException | InterruptedException | RuntimeException e) {
        failedStart = new IllegalStateException("the real tier did not start", e);
        throw failedStart;
      }
      Runtime.getRuntime().addShutdownHook(new Thread(instance::close, "real-tier-stop"));
    }
    return instance;
  }

  private static RealTier start() throws IOException, InterruptedException {
    if (!Files.exists(JAR)) {
      throw new IllegalStateException(JAR + " is missing: the real tier runs after `package` (mvn verify)");
    }
    String external = System.getProperty("turnout.realtier.kubeconfig");
    ControlPlane plane = external != null && !external.isBlank()
        ? ControlPlane.external(Path.of(external), Path.of(System.getProperty("turnout.realtier.auditlog", "")))
        : ControlPlane.start(WORK, ChartIdentity.serviceAccountGroup());
    ClusterSimulator simulator = null;
    try {
      applyCrds(plane.admin());
      ChartIdentity identity = ChartIdentity.install(plane, WORK.resolve("operator.kubeconfig"));
      simulator = ClusterSimulator.builder(plane.admin()).readyDelay(Duration.ofMillis(300))
          .realControlPlaneNode("turnout-test-node").start();
      RealTier tier = new RealTier(plane, identity, simulator);
      tier.startOperator();
      return tier;
    } catch (IOException | InterruptedException | RuntimeException e) {
      // a tier that failed to start must not leave etcd, kube-apiserver and kube-controller-manager running
      if (simulator != null) {
        simulator.close();
      }
      plane.close();
      throw e;
    }
  }

  /** `kubectl apply -f crds/`: the committed CRDs, then wait until the API server serves them. */
  static void applyCrds(KubernetesClient admin) {
    for (CustomResourceDefinition crd : EmbeddedCluster.readCrds(admin, Path.of("crds"))) {
      admin.resource(crd).serverSideApply();
      admin.apiextensions().v1().customResourceDefinitions().withName(crd.getMetadata().getName())
          .waitUntilCondition(c -> c != null && c.getStatus() != null && c.getStatus().getConditions() != null
              && c.getStatus().getConditions().stream()
                  .anyMatch(x -> "Established".equals(x.getType()) && "True".equals(x.getStatus())),
              30, java.util.concurrent.TimeUnit.SECONDS);
    }
  }

  /**
   * Starts the packaged operator with the chart's identity and waits until it is ready. An instance that exits before
   * it is ready is started again, at most twice, as the chart's Deployment would restart its container: under load
   * the operator has been seen to exit at start when an informer's first list was cut off ("Couldn't start informer
   * ... Connection was closed": JOSDK stops on an informer error during start-up). Each restart is logged.
   */
  public synchronized OperatorProcess startOperator() throws IOException, InterruptedException {
    for (int attempt = 1; ; attempt++) {
      operatorStarts++;
      Path log = WORK.resolve("operator-" + operatorStarts + ".log");
      Files.deleteIfExists(log);
      // the chart's env (namespaces, Lease namespace, backup image, ...), the server's certificate verified against
      // the CA in the kubeconfig as in a cluster, and a debug log for the dumps
      Map<String, String> env = new java.util.HashMap<>(identity.env());
      env.put("QUARKUS_KUBERNETES_CLIENT_TRUST_CERTS", "false");
      env.put("TURNOUT_LOG_LEVEL", "DEBUG");
      operator = OperatorProcess.start(JAR, identity.kubeconfig(), log, env);
      if (operator.awaitReady(Duration.ofSeconds(90))) {
        LOG.info("operator #{} ready (pid {})", operatorStarts, operator.pid());
        return operator;
      }
      boolean exited = !operator.isAlive();
      operator.close();
      if (!exited || attempt == 3) {
        throw new IllegalStateException("the operator did not become ready; its log:\n" + ControlPlane.tail(log));
      }
      LOG.warn("operator #{} exited before it was ready; started again as its Deployment would. Its log:\n{}",
          operatorStarts, ControlPlane.tail(log));
    }
  }

  /**
   * Starts another operator process with another identity of the chart (e.g. its namespace-scoped mode), beside or
   * instead of the tier's own; the caller stops it. No restarts: a start failure fails the test.
   */
  public OperatorProcess startOperatorAs(ChartIdentity other, Map<String, String> extraEnv, String logName)
      throws IOException, InterruptedException {
    Path log = WORK.resolve(logName);
    Files.deleteIfExists(log);
    Map<String, String> env = new java.util.HashMap<>(other.env());
    env.put("QUARKUS_KUBERNETES_CLIENT_TRUST_CERTS", "false");
    env.put("TURNOUT_LOG_LEVEL", "DEBUG");
    env.putAll(extraEnv);
    OperatorProcess process = OperatorProcess.start(JAR, other.kubeconfig(), log, env);
    if (!process.awaitReady(Duration.ofSeconds(90))) {
      process.close();
      throw new IllegalStateException("the operator did not become ready; its log:\n" + ControlPlane.tail(log));
    }
    return process;
  }

  public static Path workDir() {
    return WORK;
  }

  /** kill -9 the operator, wherever it is. */
  public synchronized void killOperator() throws InterruptedException {
    if (operator != null) {
      operator.kill();
    }
  }

  public OperatorProcess operator() {
    return operator;
  }

  public KubernetesClient admin() {
    return plane.admin();
  }

  public ClusterSimulator simulator() {
    return simulator;
  }

  public AuditLog audit() {
    return audit;
  }

  public ControlPlane plane() {
    return plane;
  }

  public ChartIdentity identity() {
    return identity;
  }

  /** The leader-election Lease of the operator, or null. */
  public Lease lease() {
    return admin().leases().inNamespace(ChartIdentity.NAMESPACE).withName(LEASE).get();
  }

  /** The operator's requests answered 403 since the tier started: each names the verb and resource RBAC refused. */
  public List<AuditLog.Entry> forbidden() {
    return audit.operatorForbidden();
  }

  /** The last lines of the current operator's log. */
  public String operatorLogTail() {
    return operator == null ? "" : ControlPlane.tail(operator.log());
  }

  Instant now() {
    return Instant.now();
  }

  private void close() {
    try {
      if (operator != null) {
        operator.close();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    simulator.close();
    plane.close();
  }
}
