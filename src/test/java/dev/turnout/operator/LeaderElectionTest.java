package dev.turnout.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.turnout.apprelease.AppRelease;
import dev.turnout.testing.EmbeddedClusterResource;
import dev.turnout.testing.Releases;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The production path: the operator acts only once it holds the Lease. */
@QuarkusTest
@TestProfile(LeaderElectionTest.WithLeaderElection.class)
@QuarkusTestResource(EmbeddedClusterResource.class)
class LeaderElectionTest {
  public static class WithLeaderElection implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of(
          "quarkus.operator-sdk.activate-leader-election-for-profiles", "test",
          "turnout.leader-election.lease-namespace", "default",
          "turnout.leader-election.lease-name", "turnout-test-lock",
          // in production a replica that loses the Lease exits; here that would end the test JVM at shutdown
          "turnout.leader-election.exit-on-loss", "false");
    }
  }

  @Inject KubernetesClient client;
  @Inject MeterRegistry registry;

  @Test
  void holdsTheLeaseAndReconciles() {
    await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
      Lease lease = client.leases().inNamespace("default").withName("turnout-test-lock").get();
      assertThat(lease).isNotNull();
      assertThat(lease.getSpec().getHolderIdentity()).isNotBlank();
      assertThat(lease.getSpec().getLeaseDurationSeconds()).isPositive();
    });
    // leader election is on in this profile: the gauge says 1 because this replica was called back as the leader
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        assertThat(registry.get("turnout.leader").gauge().value()).isEqualTo(1.0));
    String ns = Releases.newNamespace(client, "leader");
    client.resource(Releases.backend(ns, "1.0.0", 1)).create();
    await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() ->
        assertThat(client.resources(AppRelease.class).inNamespace(ns).withName("backend").get().getStatus().activeColor).isEqualTo("blue"));
  }
}
