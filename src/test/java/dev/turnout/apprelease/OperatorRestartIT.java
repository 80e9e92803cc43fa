package dev.turnout.apprelease;

import static dev.turnout.testing.Releases.color;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.turnout.common.Labels;
import dev.turnout.sim.ClusterSimulator;
import dev.turnout.sim.EmbeddedCluster;
import dev.turnout.testing.OperatorProcess;
import dev.turnout.testing.Releases;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The packaged operator, killed (-9) at each step of a release and started again: a new process with empty caches
 * that must pick up from the cluster's state alone. Production path: prod profile, leader election, informers.
 * Runs after `package` (failsafe).
 */
class OperatorRestartIT {
  // the jar the image's ENTRYPOINT runs (Dockerfile), as the build output holds it: this test is also the proof that
  // the image's operator entrypoint starts and answers its readiness probe
  static final Path JAR = entrypointJar();
  static final Path LOG = Path.of("target/it/operator-restart.log");
  static EmbeddedCluster cluster;
  static ClusterSimulator sim;
  static KubernetesClient client;
  static Path kubeconfig;
  static final AtomicInteger starts = new AtomicInteger();
  OperatorProcess operator;

  static Path entrypointJar() {
    try {
      return dev.turnout.image.ImageEntrypointsIT.operatorJar();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @BeforeAll
  static void cluster() throws Exception {
    assertThat(JAR).as("run after mvn package").exists();
    cluster = EmbeddedCluster.start();
    cluster.applyCrds(Path.of("crds"));
    cluster.createNamespaces("turnout-system");
    sim = ClusterSimulator.builder(cluster.client()).readyDelay(Duration.ofMillis(150)).start();
    client = cluster.client();
    kubeconfig = cluster.writeKubeconfig(Path.of("target/it/kubeconfig"), "turnout-system");
  }

  @AfterAll
  static void stop() {
    sim.close();
    cluster.close();
  }

  OperatorProcess start() throws Exception {
    // a new Lease name per start: the killed process's Lease would otherwise block the next one for its duration (and
    // the shard check would wait it out too, the killed one being another unsharded operator to it: off here)
    operator = OperatorProcess.start(JAR, kubeconfig, LOG, Map.of("TURNOUT_LEASE_NAMESPACE", "turnout-system",
        "TURNOUT_LEASE_NAME", "restart-it-" + starts.incrementAndGet(), "TURNOUT_SHARD_CHECK", "false"));
    assertThat(operator.awaitReady(Duration.ofSeconds(90))).as("operator ready, see " + LOG).isTrue();
    return operator;
  }

  AppRelease get(String ns) {
    return client.resources(AppRelease.class).inNamespace(ns).withName("backend").get();
  }

  String activeColor(String ns) {
    Service s = client.services().inNamespace(ns).withName("backend").get();
    return s == null ? null : s.getSpec().getSelector().get(Labels.COLOR);
  }

  Deployment deployment(String ns, String c) {
    return client.apps().deployments().inNamespace(ns).withName("backend-" + c).get();
  }

  void eventually(Runnable assertion) {
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptionsInstanceOf(NullPointerException.class)
        .untilAsserted(assertion::run);
  }

  @Test
  void aKilledOperatorPicksUpEachStepOfAReleaseFromTheClusterAlone() throws Exception {
    String ns = Releases.newNamespace(client, "restart");
    AppRelease ar = Releases.backend(ns, "1.0.0", 2);
    ar.getSpec().strategy.scaleDownDelaySeconds = 8;
    try {
      start();
      client.resource(ar).create();
      eventually(() -> assertThat(get(ns).getStatus().phase).isEqualTo("Healthy"));

      // 1. killed after the new revision's Deployment was created, while its pods are not ready
      sim.setReady(ns, color("backend", "green"), false);
      Releases.update(client, ns, "backend", r -> r.getSpec().version = "1.1.0");
      eventually(() -> assertThat(deployment(ns, "green")).isNotNull());
      operator.kill();
      sim.setReady(ns, color("backend", "green"), true); // the cluster moves on while the operator is down
      start();
      eventually(() -> {
        AppReleaseStatus s = get(ns).getStatus();
        assertThat(activeColor(ns)).isEqualTo("green");
        assertThat(s.activeRevision).isEqualTo(2L);
        assertThat(s.scaleDownAt).isNotNull();
      });

      // 2. killed during the scale-down delay: the timer is in status, the next process honours it
      operator.kill();
      assertThat(deployment(ns, "blue").getSpec().getReplicas()).isEqualTo(2);
      start();
      eventually(() -> assertThat(deployment(ns, "blue").getSpec().getReplicas()).isZero());

      // 3. a rollback asked for while the operator is down is done once by the next one
      Releases.update(client, ns, "backend", r -> r.getSpec().version = "1.2.0");
      eventually(() -> assertThat(get(ns).getStatus().activeRevision).isEqualTo(3L));
      operator.kill();
      Releases.update(client, ns, "backend", r -> r.getMetadata().getAnnotations().put(Labels.ROLLBACK, "while-down"));
      start();
      eventually(() -> {
        AppReleaseStatus s = get(ns).getStatus();
        assertThat(activeColor(ns)).isEqualTo("green");
        assertThat(s.phase).isEqualTo("RolledBack");
        assertThat(s.lastRollbackToken).isEqualTo("while-down");
      });
      AppReleaseStatus end = get(ns).getStatus();
      assertThat(end.history).extracting(h -> h.revision + ":" + h.outcome).containsExactly("3:RolledBack", "2:Promoted", "1:Promoted");
      assertThat(end.activeRevision).isEqualTo(2L);
    } finally {
      if (operator != null) {
        operator.close();
      }
    }
  }
}
