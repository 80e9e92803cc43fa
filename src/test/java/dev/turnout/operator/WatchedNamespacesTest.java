package dev.turnout.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.turnout.apprelease.AppRelease;
import dev.turnout.testing.EmbeddedClusterResource;
import dev.turnout.testing.Releases;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** TURNOUT_NAMESPACES (quarkus.operator-sdk.namespaces) limits the operator to a list of namespaces. */
@QuarkusTest
@TestProfile(WatchedNamespacesTest.OnlyTeamA.class)
@QuarkusTestResource(EmbeddedClusterResource.class)
class WatchedNamespacesTest {
  public static class OnlyTeamA implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("quarkus.operator-sdk.namespaces", "team-a");
    }
  }

  @Inject KubernetesClient client;
  @Inject dev.turnout.testing.Reconciles reconciles;

  @Test
  void reconcilesOnlyInWatchedNamespaces() {
    for (String ns : new String[] {"team-a", "team-b"}) {
      if (client.namespaces().withName(ns).get() == null) {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
      }
      client.resource(Releases.backend(ns, "1.0.0", 1)).create();
    }
    await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() ->
        assertThat(client.resources(AppRelease.class).inNamespace("team-a").withName("backend").get().getStatus().activeColor).isEqualTo("blue"));
    // by now team-b would have been handled too if it were watched
    assertThat(reconciles.started("AppRelease", "team-b", "backend")).as("reconciles of team-b/backend").isZero();
    assertThat(client.resources(AppRelease.class).inNamespace("team-b").withName("backend").get().getStatus()).isNull();
    assertThat(client.apps().deployments().inNamespace("team-b").list().getItems()).isEmpty();
  }
}
