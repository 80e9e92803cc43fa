package dev.turnout.apprelease;

import static dev.turnout.testing.Releases.color;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.turnout.common.Labels;
import dev.turnout.sim.ClusterSimulator;
import dev.turnout.testing.ApiWrites;
import dev.turnout.testing.EmbeddedClusterResource;
import dev.turnout.testing.Reconciles;
import dev.turnout.testing.Releases;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.awaitility.core.ThrowingRunnable;
import org.junit.jupiter.api.Test;

/**
 * The Secrets and ConfigMaps a release's pod template uses (issue 10 item 15 a and g): watched, not read on every
 * reconcile; a change of their data is a new revision at once; one that disappears mid-rollout freezes what Turnout owns.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedClusterResource.class)
class ConfigReferencesLifecycleTest {
  static final Duration WAIT = Duration.ofSeconds(30);
  /** Well under the release's periodic recheck (30 s): what happens within it was caused by the watch. */
  static final Duration WITHOUT_RECHECK = Duration.ofSeconds(10);

  @Inject KubernetesClient client;
  @Inject Reconciles reconciles;

  ClusterSimulator sim() {
    return EmbeddedClusterResource.simulator();
  }

  AppReleaseStatus status(String ns) {
    return client.resources(AppRelease.class).inNamespace(ns).withName("backend").get().getStatus();
  }

  Deployment deployment(String ns, String color) {
    return client.apps().deployments().inNamespace(ns).withName("backend-" + color).get();
  }

  String activeColor(String ns) {
    Service s = client.services().inNamespace(ns).withName("backend").get();
    return s == null ? null : s.getSpec().getSelector().get(Labels.COLOR);
  }

  void eventually(ThrowingRunnable assertion) {
    await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).ignoreExceptionsInstanceOf(NullPointerException.class).untilAsserted(assertion);
  }

  void mongoSecret(String ns, String uri) {
    Map<String, String> data = Map.of("MONGODB_URI", Base64.getEncoder().encodeToString(uri.getBytes(StandardCharsets.UTF_8)));
    if (client.secrets().inNamespace(ns).withName("mongodb").get() == null) {
      client.resource(new SecretBuilder().withNewMetadata().withName("mongodb").withNamespace(ns).endMetadata().withData(data).build())
          .create();
    } else {
      client.secrets().inNamespace(ns).withName("mongodb").edit(s -> {
        s.setData(data);
        return s;
      });
    }
  }

  /** The sample backend with MONGODB_URI from Secret mongodb, live on blue. */
  String liveWithSecret(String prefix) {
    String ns = Releases.newNamespace(client, prefix);
    mongoSecret(ns, "mongodb://db:27017");
    AppRelease ar = Releases.backend(ns, "1.0.0", 2);
    ar.getSpec().template.getSpec().getContainers().get(0).setEnv(List.of(new EnvVarBuilder()
        .withName("MONGODB_URI").withNewValueFrom().withNewSecretKeyRef("MONGODB_URI", "mongodb", false).endValueFrom().build()));
    client.resource(ar).create();
    eventually(() -> {
      assertThat(activeColor(ns)).isEqualTo("blue");
      assertThat(status(ns).phase).isEqualTo("Healthy");
    });
    return ns;
  }

  /** What a write by Turnout would change: the spec, labels and annotations of each owned Deployment and Service. */
  String owned(String ns) {
    StringBuilder sb = new StringBuilder();
    for (String c : List.of("blue", "green")) {
      Deployment d = deployment(ns, c);
      sb.append(d == null ? "none" : Serialization.asJson(d.getSpec()) + d.getMetadata().getLabels() + d.getMetadata().getAnnotations());
    }
    for (String name : List.of("backend", "backend-preview")) {
      Service s = client.services().inNamespace(ns).withName(name).get();
      sb.append(Serialization.asJson(s.getSpec())).append(s.getMetadata().getAnnotations());
    }
    return sb.toString();
  }

  /** Issue 10 item 15g: a change of a referenced Secret's data is seen by its watch, not by a later recheck or nudge. */
  @Test
  void changingAReferencedSecretsDataStartsANewRevisionWithoutAnyOtherNudge() {
    String ns = liveWithSecret("cfg-watch");
    String checksum = deployment(ns, "blue").getSpec().getTemplate().getMetadata().getAnnotations().get(Labels.CONFIG_CHECKSUM);
    mongoSecret(ns, "mongodb://other:27017");
    await().atMost(WITHOUT_RECHECK).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
      assertThat(status(ns).currentRevision).isEqualTo(2L);
      assertThat(activeColor(ns)).isEqualTo("green");
    });
    assertThat(deployment(ns, "green").getSpec().getTemplate().getMetadata().getAnnotations().get(Labels.CONFIG_CHECKSUM))
        .isNotBlank().isNotEqualTo(checksum);
  }

  /** Issue 10 item 15g: an unchanged release reads its Secrets from the watch's cache, not with a GET per reconcile. */
  @Test
  void aNoOpReconcileMakesNoGetOfASecret() {
    String ns = liveWithSecret("cfg-reads");
    var server = EmbeddedClusterResource.cluster().server();
    ApiWrites.drain(server);
    reconciles.awaitReconciled(Releases.nudge(client, ns, "backend"));
    reconciles.awaitReconciled(Releases.nudge(client, ns, "backend"));
    List<String> reads = ApiWrites.drain(server).stream()
        .filter(r -> "GET".equals(r.getMethod()) && r.getPath().startsWith("/api/v1/namespaces/" + ns + "/secrets/"))
        .map(r -> r.getMethod() + " " + r.getPath())
        .toList();
    assertThat(reads).isEmpty();
  }

  /**
   * Issue 10 item 15a: a Secret that disappears while a revision is under test does not rewrite that color's Deployment
   * (on main its config checksum became null and the Deployment was rewritten); the release waits, names what is
   * missing, and nothing it owns changes. The Secret back with the same data, the revision goes on.
   */
  @Test
  void aSecretDisappearingMidRolloutLeavesEveryOwnedObjectAsItWas() {
    String ns = liveWithSecret("cfg-missing");
    sim().setReady(ns, color("backend", "green"), false);
    Releases.update(client, ns, "backend", ar -> ar.getSpec().version = "1.1.0");
    eventually(() -> {
      assertThat(status(ns).currentRevision).isEqualTo(2L);
      assertThat(deployment(ns, "green").getSpec().getTemplate().getMetadata().getAnnotations()).containsKey(Labels.CONFIG_CHECKSUM);
      assertThat(status(ns).phase).isEqualTo("Progressing");
    });
    reconciles.awaitReconciled(Releases.nudge(client, ns, "backend"));
    String before = owned(ns);

    client.secrets().inNamespace(ns).withName("mongodb").delete();
    // the watch reconciles the release at once; the nudge makes this test independent of it
    Releases.nudge(client, ns, "backend");
    eventually(() -> assertThat(status(ns).conditions).anySatisfy(c -> {
      assertThat(c.getType()).isEqualTo("ReferencesResolved");
      assertThat(c.getStatus()).isEqualTo("False");
      assertThat(c.getReason()).isEqualTo("MissingReference");
      assertThat(c.getMessage()).contains("Secret mongodb does not exist").contains("container api env MONGODB_URI");
    }));
    reconciles.awaitReconciled(Releases.nudge(client, ns, "backend"));
    sim().setReady(ns, color("backend", "green"), true);
    reconciles.awaitReconciled(Releases.nudge(client, ns, "backend"));
    assertThat(owned(ns)).as("no owned object written while the Secret is missing").isEqualTo(before);
    AppReleaseStatus s = status(ns);
    assertThat(s.currentRevision).isEqualTo(2L);
    assertThat(s.message).contains("Secret mongodb does not exist");
    assertThat(activeColor(ns)).isEqualTo("blue");

    mongoSecret(ns, "mongodb://db:27017");
    eventually(() -> {
      assertThat(activeColor(ns)).isEqualTo("green");
      assertThat(status(ns).activeRevision).as("the same revision, not a new one").isEqualTo(2L);
    });
  }
}
