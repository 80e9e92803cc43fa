package dev.turnout.realtier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.turnout.apprelease.AppRelease;
import dev.turnout.apprelease.AppReleaseStatus;
import dev.turnout.common.Labels;
import dev.turnout.testing.Releases;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.awaitility.core.ThrowingRunnable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The blue-green lifecycle on a real kube-apiserver and kube-controller-manager (real Deployments, ReplicaSets with
 * their hashed pod names, EndpointSlices, garbage collection, 409s), the operator running as the packaged jar with
 * the chart's RBAC: first release, switch, rollback, a revision that never becomes ready; each settles to zero writes.
 */
// stops, kills or restarts the operator (or judges its leadership): nothing else may run meanwhile
@Isolated
class ReleaseRealIT {
  static final Duration WAIT = Duration.ofSeconds(60);
  @RegisterExtension static final RealNamespace NS = new RealNamespace();

  KubernetesClient client() {
    return NS.tier().admin();
  }

  AppReleaseStatus status(String name) {
    AppRelease ar = client().resources(AppRelease.class).inNamespace(NS.name()).withName(name).get();
    return ar == null ? null : ar.getStatus();
  }

  String activeColor(String name) {
    Service s = client().services().inNamespace(NS.name()).withName(name).get();
    return s == null ? null : s.getSpec().getSelector().get(Labels.COLOR);
  }

  Deployment deployment(String name, String color) {
    return client().apps().deployments().inNamespace(NS.name()).withName(name + "-" + color).get();
  }

  void eventually(ThrowingRunnable assertion) {
    await().atMost(WAIT).pollInterval(Duration.ofMillis(250)).ignoreExceptionsInstanceOf(NullPointerException.class)
        .untilAsserted(assertion);
  }

  AppRelease release(String name, String version) {
    AppRelease ar = Releases.backend(NS.name(), version, 2);
    ar.getMetadata().setName(name);
    return ar;
  }


  @Test
  void releaseSwitchAndRollbackOnRealControllers() throws Exception {
    String ns = NS.name();
    client().resource(release("shop", "1.0.0")).create();
    eventually(() -> {
      assertThat(activeColor("shop")).isEqualTo("blue");
      AppReleaseStatus s = status("shop");
      assertThat(s.phase).isEqualTo("Healthy");
      long generation = client().resources(AppRelease.class).inNamespace(ns).withName("shop").get().getMetadata().getGeneration();
      assertThat(s.conditions).anySatisfy(c -> {
        assertThat(c.getType()).isEqualTo("Available");
        assertThat(c.getStatus()).isEqualTo("True");
        assertThat(c.getObservedGeneration()).isEqualTo(generation);
      });
    });
    // the real ReplicaSet controller made the pods (names <deployment>-<hash>-<random>); the real EndpointSlice
    // controller publishes them behind the active Service
    assertThat(client().apps().replicaSets().inNamespace(ns).withLabels(Releases.color("shop", "blue"))
        .list().getItems()).hasSize(1);
    eventually(() -> assertThat(NS.tier().simulator().readyEndpoints(ns, "shop"))
        .hasSize(2).allSatisfy(a -> assertThat(a.getHostString()).startsWith("10.244.")));
    IdleWrites.assertNone(NS.tier(), ns);

    Releases.update(client(), ns, "shop", ar -> ar.getSpec().version = "1.1.0");
    eventually(() -> {
      assertThat(activeColor("shop")).isEqualTo("green");
      AppReleaseStatus s = status("shop");
      assertThat(s.activeRevision).isEqualTo(2L);
      assertThat(s.switchConvergedAt).isNotNull();
    });
    // the old color stays up for an instant rollback
    assertThat(deployment("shop", "blue").getSpec().getReplicas()).isEqualTo(2);
    InetSocketAddress served = NS.tier().simulator().readyEndpoints(ns, "shop").get(0);
    assertThat(client().pods().inNamespace(ns).withLabels(Releases.color("shop", "green")).list().getItems())
        .anySatisfy(p -> assertThat(p.getStatus().getPodIP()).isEqualTo(served.getHostString()));
    IdleWrites.assertNone(NS.tier(), ns);

    Releases.update(client(), ns, "shop", ar -> ar.getMetadata().getAnnotations().put(Labels.ROLLBACK, "real-1"));
    eventually(() -> {
      assertThat(activeColor("shop")).isEqualTo("blue");
      AppReleaseStatus s = status("shop");
      assertThat(s.phase).isEqualTo("RolledBack");
      assertThat(s.activeRevision).isEqualTo(1L);
    });
    IdleWrites.assertNone(NS.tier(), ns);
  }

  @Test
  void aRevisionThatNeverBecomesReadyNeverGetsTrafficAndFailsAtItsDeadline() throws Exception {
    String ns = NS.name();
    AppRelease ar = release("api", "1.0.0");
    ar.getSpec().strategy.progressDeadlineSeconds = 20;
    client().resource(ar).create();
    eventually(() -> assertThat(status("api").phase).isEqualTo("Healthy"));
    NS.tier().simulator().setReady(ns, Releases.color("api", "green"), false);
    Releases.update(client(), ns, "api", a -> a.getSpec().version = "2.0.0-broken");
    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250))
        .failFast("traffic moved to the unready color", () -> "green".equals(activeColor("api")))
        .untilAsserted(() -> {
          AppReleaseStatus s = status("api");
          assertThat(s.phase).isEqualTo("Failed");
          assertThat(deployment("api", "green").getSpec().getReplicas()).as("failed color scaled down").isZero();
        });
    assertThat(activeColor("api")).isEqualTo("blue");
    IdleWrites.assertNone(NS.tier(), ns);
  }

  @Test
  void operatorKilledMidRolloutPicksUpFromTheClusterAlone() throws Exception {
    String ns = NS.name();
    client().resource(release("cart", "1.0.0")).create();
    eventually(() -> assertThat(status("cart").phase).isEqualTo("Healthy"));
    NS.tier().simulator().setReady(ns, Releases.color("cart", "green"), false);
    Releases.update(client(), ns, "cart", a -> a.getSpec().version = "1.1.0");
    eventually(() -> {
      assertThat(status("cart").currentRevision).isEqualTo(2L);
      assertThat(deployment("cart", "green")).isNotNull();
    });
    // kill -9 mid-rollout: the new instance waits for the dead leader's Lease to expire, then resumes
    NS.tier().killOperator();
    NS.tier().simulator().setReady(ns, Releases.color("cart", "green"), true);
    NS.tier().startOperator();
    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).ignoreExceptions().untilAsserted(() -> {
      assertThat(activeColor("cart")).isEqualTo("green");
      assertThat(status("cart").activeRevision).isEqualTo(2L);
      assertThat(status("cart").history).extracting(h -> h.revision + ":" + h.outcome).startsWith("2:Promoted");
    });
    IdleWrites.assertNone(NS.tier(), ns);
  }
}
