package dev.turnout.bench;

import dev.turnout.backup.agent.S3TestServer;
import dev.turnout.realtier.RealTier;
import dev.turnout.testing.OperatorProcess;
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
 * Its output (BENCH lines) is in target/failsafe-reports-real-tier/dev.turnout.bench.ScaleRealBench-output.txt.
 */
class ScaleRealBench {
  @Test
  void run() throws Exception {
    RealTier tier = RealTier.get();
    try (S3TestServer s3 = new S3TestServer()) {
      String bucket = s3.newBucket();
      AuditTail audit = new AuditTail(tier.plane().auditLog(), tier.identity().userName());
      System.out.println("BENCH real tier (kube-apiserver, kube-controller-manager, etcd; operator jar under the chart's RBAC)");
      System.out.printf("BENCH   start-up to ready on a cluster without custom resources: %.1f s%n", restart(tier).toMillis() / 1000.0);
      ScaleScenario.Target target = new ScaleScenario.Target() {
        public KubernetesClient admin() {
          return tier.admin();
        }

        public OperatorRequests requests() {
          return audit;
        }

        public ProcessStats operator() {
          OperatorProcess op = tier.operator();
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
    }
  }

  /** Stops the tier's operator (SIGTERM, as a rollout would) and starts it again: the time until it is ready. */
  static Duration restart(RealTier tier) throws Exception {
    tier.operator().close();
    long t = System.nanoTime();
    tier.startOperator();
    return Duration.ofNanos(System.nanoTime() - t);
  }
}
