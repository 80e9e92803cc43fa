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
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The blue-green lifecycle on a real kube-apiserver and kube-controller-manager (real Deployments, ReplicaSets with
 * their hashed pod names, EndpointSlices, garbage collection, 409s), the operator running as the packaged jar with
 * the chart's RBAC: first release, switch, rollback, a revision that never becomes ready; each settles to zero writes.
 */
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

  /**
   * Issue 10 item 15d on real controllers: the ReplicaSet controller's pods get names the API server generates from
   * {@code <replicaset>-} cut to 58 characters, so with a 60-character release name every pod of both colors starts with
   * the same 58 characters and none with {@code <deployment>-}. Endpoints are matched to colors by the pods' labels.
   */
  @Test
  void aReleaseWithALongNameSwitchesAndConvergesOnRealPodNames() throws Exception {
    String ns = NS.name();
    String name = "checkout-service-of-the-auto-author-platform-blue-green-2026"; // 60 characters
    AppRelease ar = release(name, "1.0.0");
    ar.getSpec().service.previewName = "checkout-preview";
    client().resource(ar).create();
    eventually(() -> {
      assertThat(activeColor(name)).isEqualTo("blue");
      assertThat(status(name).phase).isEqualTo("Healthy");
    });
    Releases.update(client(), ns, name, a -> a.getSpec().version = "1.1.0");
    eventually(() -> {
      assertThat(activeColor(name)).isEqualTo("green");
      AppReleaseStatus s = status(name);
      assertThat(s.activeRevision).isEqualTo(2L);
      assertThat(s.switchConvergedAt).isNotNull();
      assertThat(s.phase).isEqualTo("Healthy");
    });
    assertThat(client().pods().inNamespace(ns).withLabel(Labels.INSTANCE, name).list().getItems())
        .extracting(p -> p.getMetadata().getName()).hasSize(4).allSatisfy(n -> {
          assertThat(n).startsWith(name.substring(0, 58)).hasSize(63);
          assertThat(n).doesNotStartWith(name + "-blue-").doesNotStartWith(name + "-green-");
        });
    IdleWrites.assertNone(NS.tier(), ns);
  }

  void secret(String name, String uri) {
    java.util.Map<String, String> data = java.util.Map.of("MONGODB_URI",
        java.util.Base64.getEncoder().encodeToString(uri.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    if (client().secrets().inNamespace(NS.name()).withName(name).get() == null) {
      client().resource(new io.fabric8.kubernetes.api.model.SecretBuilder().withNewMetadata().withName(name)
          .withNamespace(NS.name()).endMetadata().withData(data).build()).create();
    } else {
      client().secrets().inNamespace(NS.name()).withName(name).edit(x -> {
        x.setData(data);
        return x;
      });
    }
  }

  /**
   * Issue 10 item 15 g and a on a real API server, with the chart's RBAC: the operator lists and watches Secrets (a
   * field selector on type leaves out Helm release and service-account-token Secrets), so a change of a referenced
   * Secret's data is a new revision within seconds, not at the next 30 s recheck; a Secret deleted while a revision is
   * under test leaves every owned object as it is (35 s without a single write) until it is back.
   */
  @Test
  void aReferencedSecretIsWatchedAndAMissingOneFreezesTheRollout() throws Exception {
    String ns = NS.name();
    secret("orders-db", "mongodb://db:27017");
    AppRelease ar = release("orders", "1.0.0");
    ar.getSpec().template.getSpec().getContainers().get(0).setEnv(java.util.List.of(new io.fabric8.kubernetes.api.model.EnvVarBuilder()
        .withName("MONGODB_URI").withNewValueFrom().withNewSecretKeyRef("MONGODB_URI", "orders-db", false).endValueFrom().build()));
    client().resource(ar).create();
    eventually(() -> assertThat(status("orders").phase).isEqualTo("Healthy"));
    IdleWrites.assertNone(NS.tier(), ns);

    secret("orders-db", "mongodb://other:27017");
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
        assertThat(status("orders").currentRevision).as("seen by the watch, before the 30 s recheck").isEqualTo(2L));
    eventually(() -> {
      assertThat(activeColor("orders")).isEqualTo("green");
      assertThat(status("orders").switchConvergedAt).isNotNull();
    });

    NS.tier().simulator().setReady(ns, Releases.color("orders", "blue"), false);
    Releases.update(client(), ns, "orders", a -> a.getSpec().version = "1.1.0");
    eventually(() -> {
      assertThat(status("orders").currentRevision).isEqualTo(3L);
      assertThat(deployment("orders", "blue").getSpec().getTemplate().getMetadata().getLabels()).containsEntry(Labels.REVISION, "3");
    });
    client().secrets().inNamespace(ns).withName("orders-db").delete();
    eventually(() -> assertThat(status("orders").conditions).anySatisfy(c -> {
      assertThat(c.getType()).isEqualTo("ReferencesResolved");
      assertThat(c.getStatus()).isEqualTo("False");
      assertThat(c.getMessage()).contains("Secret orders-db does not exist");
    }));
    String blueSpec = io.fabric8.kubernetes.client.utils.Serialization.asJson(deployment("orders", "blue").getSpec());
    NS.tier().simulator().setReady(ns, Releases.color("orders", "blue"), true);
    IdleWrites.assertNone(NS.tier(), ns);
    assertThat(io.fabric8.kubernetes.client.utils.Serialization.asJson(deployment("orders", "blue").getSpec())).isEqualTo(blueSpec);
    assertThat(activeColor("orders")).isEqualTo("green");

    secret("orders-db", "mongodb://other:27017");
    eventually(() -> {
      assertThat(activeColor("orders")).isEqualTo("blue");
      assertThat(status("orders").activeRevision).as("the same revision went on").isEqualTo(3L);
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
}
