package dev.turnout.realtier;

import static org.assertj.core.api.Assertions.assertThat;

import dev.turnout.apprelease.AppRelease;
import dev.turnout.apprelease.AppReleaseStatus;
import dev.turnout.common.Labels;
import dev.turnout.testing.Releases;
import io.fabric8.kubernetes.api.model.Service;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The blue-green lifecycle on a real kube-apiserver and kube-controller-manager (real Deployments, ReplicaSets with
 * their hashed pod names, EndpointSlices, garbage collection, 409s), the operator running as the packaged jar with
 * the chart's RBAC: first release, switch, rollback, a release with a long name; each settles to zero writes. More
 * release scenarios: ReleaseFailuresRealIT (a class of its own, so the two run side by side).
 */
class ReleaseRealIT extends ReleaseScenarios {
  @RegisterExtension static final RealNamespace NS = new RealNamespace();

  @Override
  RealNamespace ns() {
    return NS;
  }

  @Test
  void releaseSwitchAndRollbackOnRealControllers() throws Exception {
    String ns = NS.name();
    java.time.Instant created = java.time.Instant.now();
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
    java.util.List<AuditLog.Entry> firstVersion = ReleaseWrites.of(NS.tier(), ns, "shop", created);

    java.time.Instant updated = java.time.Instant.now();
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
    // what a release costs, counted from the audit log: at most 7 writes per version, the switch in two round trips
    ReleaseWrites.assertAtMostPerVersion("the first version (created, live and converged)", firstVersion);
    ReleaseWrites.assertAtMostPerVersion("the second version (updated, switched and converged)",
        ReleaseWrites.of(NS.tier(), ns, "shop", updated));
    ReleaseWrites.assertSwitchInTwoRoundTrips("the switch to the second version",
        ReleaseWrites.requests(NS.tier(), ns, "shop", updated), "shop");

    java.time.Instant rollback = java.time.Instant.now();
    Releases.update(client(), ns, "shop", ar -> ar.getMetadata().getAnnotations().put(Labels.ROLLBACK, "real-1"));
    eventually(() -> {
      assertThat(activeColor("shop")).isEqualTo("blue");
      AppReleaseStatus s = status("shop");
      assertThat(s.phase).isEqualTo("RolledBack");
      assertThat(s.activeRevision).isEqualTo(1L);
    });
    IdleWrites.assertNone(NS.tier(), ns);
    // the token is the decision: its reconcile's first request moves traffic back, its second records it
    java.util.List<AuditLog.Entry> rollbackRequests = ReleaseWrites.requests(NS.tier(), ns, "shop", rollback);
    ReleaseWrites.print("the rollback", rollbackRequests);
    assertThat(rollbackRequests).as("the operator's requests after the rollback token").isNotEmpty();
    assertThat(rollbackRequests.get(0).resource() + " " + rollbackRequests.get(0).verb() + " " + rollbackRequests.get(0).name())
        .as("the first request after the rollback token: %s", rollbackRequests).isEqualTo("services patch shop");
    ReleaseWrites.assertSwitchInTwoRoundTrips("the rollback", rollbackRequests, "shop");
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
}
