package dev.turnout.bench;

import dev.turnout.backup.agent.S3TestServer;
import dev.turnout.realtier.ChartIdentity;
import dev.turnout.realtier.RealTier;
import dev.turnout.testing.OperatorProcess;
import io.fabric8.kubernetes.api.model.networking.v1.ServiceCIDR;
import io.fabric8.kubernetes.api.model.networking.v1.ServiceCIDRBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.ServiceCIDRStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The scale benchmark on the real tier: a real kube-apiserver, kube-controller-manager and etcd, the packaged operator
 * under the chart's RBAC (see docs/testing.md), its requests read from the API server's audit log. Not part of
 * `make test` (the real-tier execution includes *RealIT only); `make bench-real` runs it:
 *
 * <pre>
 * mvn -B -o -q package -DskipTests -Djacoco.skip=true
 * mvn -B -o test-compile failsafe:integration-test@real-tier -Dit.test=ScaleRealBench \
 *   -Dturnout.controlplane.dir=$HOME/.cache/turnout/control-plane -Dbench.releases=1000
 * </pre>
 *
 * Its BENCH lines go to the console and to the system-out of target/failsafe-reports-real-tier/TEST-dev.turnout.bench.ScaleRealBench.xml.
 */
class ScaleRealBench {
  @Test
  void run() throws Exception {
    RealTier tier = RealTier.get();
    try (S3TestServer s3 = new S3TestServer()) {
      String bucket = s3.newBucket();
      AuditTail audit = new AuditTail(tier.plane().auditLog(), tier.identity().userName());
      widenServiceRange(tier.admin());
      System.out.println("BENCH real tier (kube-apiserver, kube-controller-manager, etcd; operator jar under the chart's RBAC)");
      System.out.printf("BENCH   start-up to ready on a cluster without custom resources: %.1f s%n", restart(tier).toMillis() / 1000.0);
      System.out.println("BENCH   operator JVM options (JAVA_TOOL_OPTIONS): " + javaOptions(tier));
      ScaleScenario.Target target = new ScaleScenario.Target() {
        public KubernetesClient admin() {
          return tier.admin();
        }

        public OperatorRequests requests() {
          return audit;
        }

        public ProcessStats operator() {
          OperatorProcess op = own != null ? own : tier.operator();
          return new ProcessStats(op.pid(), op.url("/q/metrics"));
        }

        public String s3Endpoint() {
          return s3.endpoint();
        }

        public String s3Bucket() {
          return bucket;
        }

        public void serve(String ns, Map<String, String> selector, com.sun.net.httpserver.HttpHandler handler) {
          tier.simulator().serve(ns, selector, handler);
        }
      };
      ScaleScenario s = ScaleRun.run(target, tier.admin().getConfiguration(), () -> restart(tier));
      s.report.line("403 answers to the operator during the run: %d", tier.forbidden().size());
      if (!COMPARE_JAVA_OPTIONS.isBlank()) {
        compareStartUp(tier, s);
      }
    }
  }

  /**
   * kube-api-test gives kube-apiserver a Service range of 10.0.0.0/24 (its flag comes after ours, so it cannot be
   * changed): 254 ClusterIPs, and 1,000 releases need 2,000 Services ("failed to allocate a serviceIP: range is full").
   * Kubernetes 1.33+ takes more ranges as ServiceCIDR objects; their Ready condition is set by kube-controller-manager's
   * service-cidrs controller, which the tier does not run, so the benchmark sets it as that controller would (as the
   * simulator plays the kubelet). Nothing connects to ClusterIPs here: probes and the simulator use pod IPs.
   */
  static void widenServiceRange(KubernetesClient admin) {
    ServiceCIDR cidr = admin.resource(new ServiceCIDRBuilder().withNewMetadata().withName("bench-services").endMetadata()
        .withNewSpec().withCidrs("10.96.0.0/16").endSpec().build()).serverSideApply();
    if (cidr.getStatus() == null || cidr.getStatus().getConditions() == null
        || cidr.getStatus().getConditions().stream().noneMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()))) {
      cidr.setStatus(new ServiceCIDRStatusBuilder().addToConditions(new io.fabric8.kubernetes.api.model.ConditionBuilder()
          .withType("Ready").withStatus("True").withReason("BenchmarkReady")
          .withMessage("set by ScaleRealBench: the tier runs no service-cidrs controller")
          .withLastTransitionTime(java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString())
          .build()).build());
      admin.resource(cidr).updateStatus();
    }
  }

  /**
   * The operator runs as in the chart's pod: the JVM options the chart gives it (JAVA_TOOL_OPTIONS in the rendered
   * Deployment; {@code -Dbench.operatorJavaOptions=...} replaces them, to compare settings) plus
   * {@code -XX:MaxRAM=<the chart's memory limit>}, since in the pod the JVM sizes itself from the container's cgroup
   * limit and here it would see the whole machine; {@code -Dbench.operatorExtraJavaOptions=...} is appended (e.g.
   * -XX:NativeMemoryTracking=summary, which the memory lines then break down).
   */
  static final String JAVA_OPTIONS = System.getProperty("bench.operatorJavaOptions", "");
  static final String EXTRA_JAVA_OPTIONS = System.getProperty("bench.operatorExtraJavaOptions", "");

  static String javaOptions(RealTier tier) {
    String chart = tier.identity().env().getOrDefault("JAVA_TOOL_OPTIONS", "");
    String base = JAVA_OPTIONS.isBlank() ? chart : JAVA_OPTIONS;
    long limit = ChartIdentity.memoryLimitBytes(tier.admin().getKubernetesVersion().getGitVersion().replaceFirst("^v", ""));
    return (base + " -XX:MaxRAM=" + limit + " " + EXTRA_JAVA_OPTIONS).trim();
  }

  /**
   * Other JVM options (used as given, e.g. {@code -XX:+UseG1GC -Xmx384m}) whose start-up to compare with the chart's:
   * with everything of the run still in the cluster, the operator is restarted alternately with each, three times,
   * so that both see the same cluster and, as near as can be, the same load.
   */
  static final String COMPARE_JAVA_OPTIONS = System.getProperty("bench.compareJavaOptions", "");
  static OperatorProcess own;
  static int ownStarts;

  /** Stops the operator (SIGTERM, as a rollout would) and starts it again: the time until it is ready. */
  static Duration restart(RealTier tier) throws Exception {
    return restart(tier, javaOptions(tier));
  }

  static Duration restart(RealTier tier, String options) throws Exception {
    if (own != null) {
      own.close();
    } else {
      tier.operator().close();
    }
    long t = System.nanoTime();
    own = tier.startOperatorAs(tier.identity(), Map.of("JAVA_TOOL_OPTIONS", options),
        "operator-bench-" + (++ownStarts) + ".log");
    return Duration.ofNanos(System.nanoTime() - t);
  }

  static void compareStartUp(RealTier tier, ScaleScenario s) throws Exception {
    String[] options = {javaOptions(tier), (COMPARE_JAVA_OPTIONS + " " + EXTRA_JAVA_OPTIONS).trim()};
    java.util.List<java.util.List<Double>> times = java.util.List.of(new java.util.ArrayList<>(), new java.util.ArrayList<>());
    for (int round = 0; round < 3; round++) {
      for (int i = 0; i < 2; i++) {
        double up = restart(tier, options[i]).toMillis() / 1000.0;
        times.get(i).add(up);
        s.report.line("start-up to ready with everything present, %s: %.1f s (load average %s)", options[i], up,
            ScaleRun.loadAverage());
      }
    }
    for (int i = 0; i < 2; i++) {
      s.report.line("  start-up to ready, %s: %s s, median %.1f s", options[i], times.get(i),
          times.get(i).stream().sorted().toList().get(1));
    }
    restart(tier); // leave the chart's operator running, as the tier expects
  }
}
