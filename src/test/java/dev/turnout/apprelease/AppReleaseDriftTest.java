package dev.turnout.apprelease;

import static dev.turnout.testing.Releases.color;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.turnout.common.Labels;
import dev.turnout.sim.AdmissionWebhooks;
import dev.turnout.sim.ClusterSimulator;
import dev.turnout.testing.ApiWrites;
import dev.turnout.testing.EmbeddedClusterResource;
import dev.turnout.testing.Reconciles;
import dev.turnout.testing.Releases;
import dev.turnout.testing.TestClock;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import org.awaitility.core.ConditionFactory;
import org.awaitility.core.ThrowingRunnable;
import org.junit.jupiter.api.Test;

/**
 * Issue 10 items 13 and 14 on the embedded cluster: what people do to the objects of a live release (hand edits,
 * scales, deletions, kubectl rollout restart) is repaired as far as Turnout owns it and told in an Event; a write the
 * API server or an admission webhook refuses is reported and retried, and traffic never moves because of it.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedClusterResource.class)
class AppReleaseDriftTest {
  static final Duration WAIT = Duration.ofSeconds(30);

  @Inject KubernetesClient client;
  @Inject TestClock clock;
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

  Condition condition(String ns, String type) {
    return status(ns).conditions.stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
  }

  List<Event> events(String ns, String reason) {
    return client.v1().events().inNamespace(ns).list().getItems().stream().filter(e -> reason.equals(e.getReason())).toList();
  }

  String image(Deployment d) {
    return d.getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
  }

  void eventually(ThrowingRunnable assertion) {
    polling().untilAsserted(assertion);
  }

  ConditionFactory polling() {
    return await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).ignoreExceptionsInstanceOf(NullPointerException.class);
  }

  /** Awaits while traffic stays on {@code color}: fails at once when it moves. */
  ConditionFactory trafficStaysOn(String ns, String color) {
    return polling().failFast("traffic left " + color, () -> !color.equals(activeColor(ns)));
  }

  String liveOn(String prefix) {
    String ns = Releases.newNamespace(client, prefix);
    client.resource(Releases.backend(ns, "1.0.0", 2)).create();
    eventually(() -> {
      assertThat(activeColor(ns)).isEqualTo("blue");
      assertThat(status(ns).phase).isEqualTo("Healthy");
    });
    return ns;
  }

  void nudgeAndAwaitReconcile(String ns) {
    reconciles.awaitReconciled(Releases.nudge(client, ns, "backend"));
  }

  @Test
  void aHandEditedImageOnTheLiveDeploymentIsSetBackAndToldThenNothingMoreIsWritten() {
    String ns = liveOn("drift-image");
    client.apps().deployments().inNamespace(ns).withName("backend-blue").edit(d -> {
      d.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("evil.example/backend:6.6.6");
      return d;
    });
    trafficStaysOn(ns, "blue").untilAsserted(() -> {
      assertThat(image(deployment(ns, "blue"))).isEqualTo("registry.example/backend:1.0.0");
      assertThat(events(ns, "DriftRepaired")).singleElement().satisfies(e -> {
        assertThat(e.getType()).isEqualTo("Warning");
        assertThat(e.getMessage()).contains("Deployment backend-blue").contains("changed")
            .contains("spec.template.spec.containers[api].image");
      });
    });
    assertThat(status(ns).currentRevision).as("a repair is not a revision").isEqualTo(1L);
    // repaired once: reconciling again writes nothing to the Deployment
    var server = EmbeddedClusterResource.cluster().server();
    ApiWrites.drain(server);
    nudgeAndAwaitReconcile(ns);
    nudgeAndAwaitReconcile(ns);
    // the simulated Deployment controller may still be writing the status of the repaired rollout: not the operator's
    assertThat(ApiWrites.drainWrites(server, p -> p.contains("/namespaces/" + ns + "/deployments") && !p.endsWith("/status")))
        .isEmpty();
    assertThat(events(ns, "DriftRepaired")).hasSize(1);
  }

  @Test
  void aDeletedDeploymentOfTheLiveOrPreviousColorIsRecreatedWithTheRevisionItRan() {
    String ns = liveOn("drift-deleted");
    // a rollout of 1.1.0 is in progress on green: the spec is not what blue runs
    sim().setReady(ns, color("backend", "green"), false);
    Releases.update(client, ns, "backend", ar -> ar.getSpec().version = "1.1.0");
    eventually(() -> assertThat(deployment(ns, "green")).isNotNull());
    String uid = deployment(ns, "blue").getMetadata().getUid();
    client.apps().deployments().inNamespace(ns).withName("backend-blue").withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
    trafficStaysOn(ns, "blue").untilAsserted(() -> {
      Deployment blue = deployment(ns, "blue");
      assertThat(blue.getMetadata().getUid()).isNotEqualTo(uid);
      assertThat(image(blue)).isEqualTo("registry.example/backend:1.0.0");
      assertThat(blue.getSpec().getTemplate().getMetadata().getLabels()).containsEntry(Labels.REVISION, "1");
      assertThat(blue.getSpec().getReplicas()).isEqualTo(2);
      assertThat(blue.getStatus().getReadyReplicas()).isEqualTo(2);
      assertThat(events(ns, "DriftRepaired")).anySatisfy(e -> assertThat(e.getMessage())
          .contains("Deployment backend-blue").contains("the live color blue, revision 1").contains("deleted"));
    });
    assertThat(status(ns).currentRevision).isEqualTo(2L);
    // after the switch, blue is the previous color kept for rollback: deleted, it comes back too
    sim().setReady(ns, color("backend", "green"), true);
    eventually(() -> {
      assertThat(activeColor(ns)).isEqualTo("green");
      assertThat(status(ns).switchConvergedAt).isNotNull();
    });
    String uid2 = deployment(ns, "blue").getMetadata().getUid();
    client.apps().deployments().inNamespace(ns).withName("backend-blue").withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
    trafficStaysOn(ns, "green").untilAsserted(() -> {
      Deployment blue = deployment(ns, "blue");
      assertThat(blue.getMetadata().getUid()).isNotEqualTo(uid2);
      assertThat(image(blue)).isEqualTo("registry.example/backend:1.0.0");
      assertThat(events(ns, "DriftRepaired")).anySatisfy(e -> assertThat(e.getMessage())
          .contains("the previous color blue kept for rollback, revision 1").contains("deleted"));
    });
    // and a rollback onto it works
    Releases.update(client, ns, "backend", ar -> ar.getMetadata().getAnnotations().put(Labels.ROLLBACK, "back-1"));
    eventually(() -> assertThat(activeColor(ns)).isEqualTo("blue"));
  }

  @Test
  void aHandScaledColorDeploymentIsSetBackToSpecReplicas() {
    String ns = liveOn("drift-scale");
    // what `kubectl scale deploy backend-blue --replicas=5` changes
    client.apps().deployments().inNamespace(ns).withName("backend-blue")
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"replicas\":5}}");
    eventually(() -> {
      assertThat(deployment(ns, "blue").getSpec().getReplicas()).isEqualTo(2);
      assertThat(events(ns, "DriftRepaired")).anySatisfy(e -> assertThat(e.getMessage())
          .contains("Deployment backend-blue").contains("spec.replicas"));
    });
    // spec.replicas is the one way to scale a release
    Releases.update(client, ns, "backend", ar -> ar.getSpec().replicas = 3);
    eventually(() -> assertThat(deployment(ns, "blue").getSpec().getReplicas()).isEqualTo(3));
    assertThat(events(ns, "DriftRepaired")).as("Turnout's own change is no drift").hasSize(1);
  }

  @Test
  void aRolloutRestartIsNoDriftAndARepairKeepsItsAnnotation() {
    String ns = liveOn("drift-restart");
    // what `kubectl rollout restart deployment/backend-blue` changes: a template annotation Turnout does not set
    client.apps().deployments().inNamespace(ns).withName("backend-blue").patch(PatchContext.of(PatchType.JSON_MERGE),
        "{\"spec\":{\"template\":{\"metadata\":{\"annotations\":{\"kubectl.kubernetes.io/restartedAt\":\"2026-12-02T10:00:00Z\"}}}}}");
    nudgeAndAwaitReconcile(ns);
    assertThat(events(ns, "DriftRepaired")).isEmpty();
    client.apps().deployments().inNamespace(ns).withName("backend-blue").edit(d -> {
      d.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("evil.example/backend:6.6.6");
      return d;
    });
    eventually(() -> {
      Deployment blue = deployment(ns, "blue");
      assertThat(image(blue)).isEqualTo("registry.example/backend:1.0.0");
      assertThat(blue.getSpec().getTemplate().getMetadata().getAnnotations())
          .containsEntry("kubectl.kubernetes.io/restartedAt", "2026-12-02T10:00:00Z");
      assertThat(events(ns, "DriftRepaired")).hasSize(1);
    });
  }

  @Test
  void aDeploymentTheApiServerRefusesIsReportedOnceRetriedAndTrafficStaysUntilTheSpecIsFixed() {
    String ns = liveOn("refused");
    Releases.update(client, ns, "backend", ar -> {
      ar.getSpec().version = "1.1.0";
      ar.getSpec().template.getSpec().getContainers().get(0).setName("Bad_Name");
    });
    String apiServerSays = "spec.template.spec.containers[0].name: Invalid value: \"Bad_Name\"";
    trafficStaysOn(ns, "blue").untilAsserted(() -> {
      Condition rollout = condition(ns, "RolloutComplete");
      assertThat(rollout.getStatus()).isEqualTo("False");
      assertThat(rollout.getReason()).isEqualTo("WriteRefused");
      assertThat(rollout.getMessage()).contains("Deployment backend-green").contains(apiServerSays);
      assertThat(status(ns).message).contains("Bad_Name");
      assertThat(events(ns, "WriteRefused")).singleElement().satisfies(e -> {
        assertThat(e.getType()).isEqualTo("Warning");
        assertThat(e.getMessage()).contains(apiServerSays);
      });
    });
    // retried with backoff (past the first retry at 5 s), told once
    clock.advance(Duration.ofSeconds(6));
    nudgeAndAwaitReconcile(ns);
    clock.advance(Duration.ofSeconds(11));
    nudgeAndAwaitReconcile(ns);
    assertThat(events(ns, "WriteRefused")).hasSize(1);
    assertThat(activeColor(ns)).isEqualTo("blue");
    assertThat(deployment(ns, "green")).isNull();
    Releases.update(client, ns, "backend", ar -> {
      ar.getSpec().version = "1.2.0";
      ar.getSpec().template.getSpec().getContainers().get(0).setName("api");
    });
    eventually(() -> {
      assertThat(activeColor(ns)).isEqualTo("green");
      assertThat(status(ns).activeRevision).isEqualTo(3L);
      assertThat(condition(ns, "RolloutComplete").getStatus()).isEqualTo("True");
    });
  }

  @Test
  void aLiveDeploymentWriteAWebhookDeniesDegradesTheReleaseUntilItIsAllowed() {
    String ns = liveOn("denied");
    AdmissionWebhooks webhooks = EmbeddedClusterResource.cluster().webhooks();
    var webhook = webhooks.deny("replicas.policy.example", "/namespaces/" + ns + "/deployments/backend-blue$", "replicas above 2 need approval");
    try {
      Releases.update(client, ns, "backend", ar -> ar.getSpec().replicas = 4);
      trafficStaysOn(ns, "blue").untilAsserted(() -> {
        Condition degraded = condition(ns, "Degraded");
        assertThat(degraded.getStatus()).isEqualTo("True");
        assertThat(degraded.getReason()).isEqualTo("WriteRefused");
        assertThat(degraded.getMessage()).contains("Deployment backend-blue")
            .contains("admission webhook \"replicas.policy.example\" denied the request: replicas above 2 need approval");
        assertThat(status(ns).phase).isEqualTo("Degraded");
        assertThat(events(ns, "WriteRefused")).singleElement();
      });
      assertThat(deployment(ns, "blue").getSpec().getReplicas()).isEqualTo(2);
    } finally {
      webhooks.remove(webhook);
    }
    clock.advance(Duration.ofSeconds(6));
    Releases.nudge(client, ns, "backend");
    eventually(() -> {
      assertThat(deployment(ns, "blue").getSpec().getReplicas()).isEqualTo(4);
      assertThat(condition(ns, "Degraded").getReason()).isNotEqualTo("WriteRefused");
    });
  }

  @Test
  void whatEachRevisionRanIsRecordedOnceAndPrunedBeyondTheHistoryLimitButNeverForAColorInUse() {
    String ns = liveOn("records");
    Releases.update(client, ns, "backend", ar -> ar.getSpec().revisionHistoryLimit = 1);
    for (String version : List.of("1.1.0", "1.2.0", "1.3.0")) {
      Releases.update(client, ns, "backend", ar -> ar.getSpec().version = version);
      eventually(() -> {
        assertThat(status(ns).history.get(0).version).isEqualTo(version);
        assertThat(status(ns).history.get(0).outcome).isEqualTo("Promoted");
      });
    }
    eventually(() -> assertThat(client.resources(ControllerRevision.class).inNamespace(ns).list().getItems())
        .as("revision 4 live, revision 3 the previous color kept for rollback")
        .extracting(r -> r.getMetadata().getName()).containsExactlyInAnyOrder("backend-r3", "backend-r4"));
    ControllerRevision r4 = client.resources(ControllerRevision.class).inNamespace(ns).withName("backend-r4").get();
    assertThat(r4.getRevision()).isEqualTo(4L);
    assertThat(r4.getMetadata().getOwnerReferences()).singleElement().satisfies(o -> assertThat(o.getKind()).isEqualTo("AppRelease"));
  }
}
