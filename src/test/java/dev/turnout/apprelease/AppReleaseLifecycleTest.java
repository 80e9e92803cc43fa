package dev.turnout.apprelease;

import static dev.turnout.testing.Releases.color;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.turnout.apprelease.AppReleaseStatusAggregator.Outcome;
import dev.turnout.common.Labels;
import dev.turnout.sim.ClusterSimulator;
import dev.turnout.testing.EmbeddedClusterResource;
import dev.turnout.testing.Reconciles;
import dev.turnout.testing.Releases;
import dev.turnout.testing.TestClock;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.JobTemplateSpecBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import org.awaitility.core.ThrowingRunnable;
import org.junit.jupiter.api.Test;

/** The blue-green lifecycle of AppRelease, against the embedded cluster and its simulated controllers. */
@QuarkusTest
@QuarkusTestResource(EmbeddedClusterResource.class)
class AppReleaseLifecycleTest {
  static final Duration WAIT = Duration.ofSeconds(30);

  @Inject KubernetesClient client;
  @Inject TestClock clock;
  @Inject Reconciles reconciles;

  ClusterSimulator sim() {
    return EmbeddedClusterResource.simulator();
  }

  Resource<AppRelease> release(String ns) {
    return client.resources(AppRelease.class).inNamespace(ns).withName("backend");
  }

  AppReleaseStatus status(String ns) {
    return release(ns).get().getStatus();
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

  /** A user's change: read, modify, write; retried on conflict as kubectl edit would be. */
  void edit(String ns, Consumer<AppRelease> change) {
    Releases.update(client, ns, "backend", change);
  }

  /** Any change of metadata makes the operator reconcile (it is not generation-aware). */
  AppRelease nudge(String ns) {
    return Releases.nudge(client, ns, "backend");
  }

  /**
   * Nudges the release and waits until the operator has finished a reconcile that started from the nudged object:
   * what follows may assert that something stayed as it was.
   */
  void nudgeAndAwaitReconcile(String ns) {
    reconciles.awaitReconciled(nudge(ns));
  }

  void annotate(String ns, String key, String value) {
    edit(ns, ar -> ar.getMetadata().getAnnotations().put(key, value));
  }

  List<String> eventReasons(String ns) {
    return client.v1().events().inNamespace(ns).list().getItems().stream().map(Event::getReason).toList();
  }

  String liveOn(String ns, String version) {
    client.resource(Releases.backend(ns, version, 2)).create();
    eventually(() -> {
      assertThat(activeColor(ns)).isEqualTo("blue");
      assertThat(status(ns).phase).isEqualTo("Healthy");
    });
    return ns;
  }

  @Test
  void firstReleaseGoesBlueThenNewVersionSwitchesToGreenAndOldColorScalesDownOnlyAfterDelay() {
    String ns = Releases.newNamespace(client, "lifecycle");
    liveOn(ns, "1.0.0");
    AppReleaseStatus first = status(ns);
    assertThat(first.activeRevision).isEqualTo(1L);
    assertThat(first.history).singleElement().satisfies(h -> {
      assertThat(h.outcome).isEqualTo("Promoted");
      assertThat(h.color).isEqualTo("blue");
      assertThat(h.images).containsExactly("registry.example/backend:1.0.0");
    });
    assertThat(first.conditions).anySatisfy(c -> {
      assertThat(c.getType()).isEqualTo("Available");
      assertThat(c.getStatus()).isEqualTo("True");
      assertThat(c.getObservedGeneration()).isEqualTo(release(ns).get().getMetadata().getGeneration());
    });
    String blueVersion = deployment(ns, "blue").getMetadata().getResourceVersion();

    // green is kept not ready: the switch waits, the live color is untouched
    sim().setReady(ns, color("backend", "green"), false);
    edit(ns, ar -> ar.getSpec().version = "1.1.0");
    eventually(() -> {
      Deployment green = deployment(ns, "green");
      assertThat(green).isNotNull();
      assertThat(green.getSpec().getReplicas()).as("new color starts at the live count").isEqualTo(2);
      assertThat(green.getStatus()).isNotNull();
      assertThat(status(ns).currentRevision).isEqualTo(2L);
      assertThat(status(ns).phase).isEqualTo("Progressing");
    });
    nudgeAndAwaitReconcile(ns);
    assertThat(activeColor(ns)).isEqualTo("blue");
    assertThat(deployment(ns, "blue").getMetadata().getResourceVersion()).as("live color untouched").isEqualTo(blueVersion);
    assertThat(status(ns).conditions).anySatisfy(c -> {
      assertThat(c.getType()).isEqualTo("RolloutComplete");
      assertThat(c.getStatus()).isEqualTo("False");
    });

    sim().setReady(ns, color("backend", "green"), true);
    eventually(() -> {
      assertThat(activeColor(ns)).isEqualTo("green");
      AppReleaseStatus s = status(ns);
      assertThat(s.activeRevision).isEqualTo(2L);
      assertThat(s.previousColor).isEqualTo("blue");
      assertThat(s.switchConvergedAt).isNotNull();
      assertThat(s.scaleDownAt).isNotNull();
      assertThat(s.phase).isEqualTo("Healthy");
    });
    assertThat(client.services().inNamespace(ns).withName("backend-preview").get().getSpec().getSelector())
        .containsEntry(Labels.COLOR, "green");
    // within the delay, blue stays up for an instant rollback
    nudgeAndAwaitReconcile(ns);
    assertThat(deployment(ns, "blue").getSpec().getReplicas()).isEqualTo(2);

    clock.advance(Duration.ofSeconds(3601));
    nudge(ns);
    eventually(() -> {
      Deployment blue = deployment(ns, "blue");
      assertThat(blue).as("scaled down, never deleted").isNotNull();
      assertThat(blue.getSpec().getReplicas()).isZero();
      assertThat(status(ns).previousColor).isNull();
    });
    assertThat(status(ns).history).extracting(h -> h.revision + ":" + h.outcome).containsExactly("2:Promoted", "1:Promoted");
    assertThat(eventReasons(ns)).contains("RevisionCreated", "Promoted", "SwitchConverged", "ScaledDown");
  }

  @Test
  void newColorThatNeverBecomesReadyNeverGetsTrafficAndFailsAtTheDeadline() {
    String ns = liveOn(Releases.newNamespace(client, "deadline"), "1.0.0");
    sim().setReady(ns, color("backend", "green"), false);
    edit(ns, ar -> ar.getSpec().version = "2.0.0-broken");
    eventually(() -> assertThat(deployment(ns, "green")).isNotNull());
    clock.advance(Duration.ofSeconds(301));
    nudge(ns);
    eventually(() -> {
      AppReleaseStatus s = status(ns);
      assertThat(s.phase).isEqualTo("Failed");
      assertThat(s.history.get(0).outcome).isEqualTo(Outcome.Failed.name());
      assertThat(s.history.get(0).reason).contains("progressDeadlineSeconds=300").contains("backend-green");
      assertThat(deployment(ns, "green").getSpec().getReplicas()).as("failed color scaled down").isZero();
    });
    assertThat(activeColor(ns)).isEqualTo("blue");
    assertThat(eventReasons(ns)).contains("ProgressDeadlineExceeded");
    // not retried until the spec changes
    sim().setReady(ns, color("backend", "green"), true);
    nudgeAndAwaitReconcile(ns);
    assertThat(status(ns).phase).isEqualTo("Failed");
    assertThat(deployment(ns, "green").getSpec().getReplicas()).isZero();
    assertThat(activeColor(ns)).isEqualTo("blue");
    // a new spec is a new revision and goes through
    edit(ns, ar -> ar.getSpec().version = "2.0.1");
    eventually(() -> {
      assertThat(activeColor(ns)).isEqualTo("green");
      assertThat(status(ns).activeRevision).isEqualTo(3L);
    });
  }

  @Test
  void aNewRevisionWhileOneIsInProgressSupersedesIt() {
    String ns = liveOn(Releases.newNamespace(client, "supersede"), "1.0.0");
    sim().setReady(ns, color("backend", "green"), false);
    edit(ns, ar -> ar.getSpec().version = "1.1.0");
    eventually(() -> assertThat(status(ns).currentRevision).isEqualTo(2L));
    edit(ns, ar -> ar.getSpec().version = "1.2.0");
    eventually(() -> {
      AppReleaseStatus s = status(ns);
      assertThat(s.currentRevision).isEqualTo(3L);
      assertThat(s.currentColor).isEqualTo("green");
      assertThat(s.history).extracting(h -> h.revision + ":" + h.outcome).containsExactly("3:Pending", "2:Superseded", "1:Promoted");
      assertThat(deployment(ns, "green").getSpec().getTemplate().getMetadata().getLabels()).containsEntry(Labels.REVISION, "3");
    });
    sim().setReady(ns, color("backend", "green"), true);
    eventually(() -> assertThat(activeColor(ns)).isEqualTo("green"));
    assertThat(eventReasons(ns)).contains("Superseded");
  }

  @Test
  void manualPromotionWaitsForThePromoteAnnotation() {
    String ns = liveOn(Releases.newNamespace(client, "manual"), "1.0.0");
    edit(ns, ar -> {
      ar.getSpec().strategy.autoPromote = false;
      ar.getSpec().version = "1.1.0";
    });
    eventually(() -> assertThat(status(ns).phase).isEqualTo("AwaitingPromotion"));
    nudgeAndAwaitReconcile(ns);
    assertThat(activeColor(ns)).isEqualTo("blue");
    annotate(ns, Labels.PROMOTE, "ship-it-1");
    eventually(() -> {
      assertThat(activeColor(ns)).isEqualTo("green");
      assertThat(status(ns).lastPromoteToken).isEqualTo("ship-it-1");
    });
  }

  @Test
  void manualRollbackSwitchesBackWhilePreviousColorIsUpAndSaysSoWhenItIsNot() {
    String ns = liveOn(Releases.newNamespace(client, "rollback"), "1.0.0");
    edit(ns, ar -> ar.getSpec().version = "1.1.0");
    eventually(() -> {
      assertThat(status(ns).activeRevision).isEqualTo(2L);
      assertThat(status(ns).switchConvergedAt).isNotNull();
    });
    annotate(ns, Labels.ROLLBACK, "oops-1");
    eventually(() -> {
      assertThat(activeColor(ns)).isEqualTo("blue");
      AppReleaseStatus s = status(ns);
      assertThat(s.phase).isEqualTo("RolledBack");
      assertThat(s.activeRevision).isEqualTo(1L);
      assertThat(s.history.get(0).outcome).isEqualTo("RolledBack");
      assertThat(s.conditions).anySatisfy(c -> {
        assertThat(c.getType()).isEqualTo("Degraded");
        assertThat(c.getStatus()).isEqualTo("True");
      });
    });
    // the rejected revision is not retried
    nudgeAndAwaitReconcile(ns);
    assertThat(status(ns).phase).isEqualTo("RolledBack");
    assertThat(activeColor(ns)).isEqualTo("blue");
    // once the other color is scaled down, a rollback is refused with a clear reason
    clock.advance(Duration.ofSeconds(3601));
    nudge(ns);
    eventually(() -> assertThat(deployment(ns, "green").getSpec().getReplicas()).isZero());
    annotate(ns, Labels.ROLLBACK, "oops-2");
    eventually(() -> assertThat(client.v1().events().inNamespace(ns).list().getItems())
        .anySatisfy(e -> {
          assertThat(e.getReason()).isEqualTo("RollbackUnavailable");
          assertThat(e.getMessage()).contains("scaled down").contains("git");
        }));
    assertThat(activeColor(ns)).isEqualTo("blue");
    // reverting the spec in git is a new revision like any other
    edit(ns, ar -> ar.getSpec().version = "1.0.0");
    eventually(() -> {
      AppReleaseStatus s = status(ns);
      assertThat(s.currentRevision).isEqualTo(3L);
      assertThat(s.history.get(0).outcome).isEqualTo("Promoted");
      assertThat(s.phase).isEqualTo("Healthy");
    });
  }

  /** Issue 10 item 6: spec.replicas (set by a person, or by an HPA through the scale subresource) is every running color's count. */
  @Test
  void replicaChangesScaleEveryRunningColorIncludingTheOneUnderTest() {
    String ns = liveOn(Releases.newNamespace(client, "replicas"), "1.0.0");
    edit(ns, ar -> ar.getSpec().replicas = 3);
    eventually(() -> assertThat(deployment(ns, "blue").getSpec().getReplicas()).isEqualTo(3));
    assertThat(status(ns).currentRevision).as("replicas alone are not a revision").isEqualTo(1L);
    sim().setReady(ns, color("backend", "green"), false);
    edit(ns, ar -> {
      ar.getSpec().version = "1.1.0";
      ar.getSpec().replicas = 5;
    });
    eventually(() -> {
      assertThat(deployment(ns, "green").getSpec().getReplicas()).as("the color under test runs spec.replicas").isEqualTo(5);
      assertThat(deployment(ns, "blue").getSpec().getReplicas()).as("so does the live color").isEqualTo(5);
    });
    edit(ns, ar -> ar.getSpec().replicas = 4);
    eventually(() -> assertThat(deployment(ns, "green").getSpec().getReplicas()).as("a change during the rollout reaches the color under test").isEqualTo(4));
    sim().setReady(ns, color("backend", "green"), true);
    eventually(() -> {
      assertThat(activeColor(ns)).isEqualTo("green");
      assertThat(deployment(ns, "green").getSpec().getReplicas()).isEqualTo(4);
      assertThat(deployment(ns, "blue").getSpec().getReplicas()).as("kept up at full size for rollback").isEqualTo(4);
    });
  }

  @Test
  void missingSecretKeepsTheReleaseFromStartingAndNamesIt() {
    String ns = Releases.newNamespace(client, "refs");
    var ar = Releases.backend(ns, "1.0.0", 1);
    ar.getSpec().template.getSpec().getContainers().get(0).setEnv(List.of(new io.fabric8.kubernetes.api.model.EnvVarBuilder()
        .withName("MONGODB_URI").withNewValueFrom().withNewSecretKeyRef("MONGODB_URI", "mongodb", false).endValueFrom().build()));
    client.resource(ar).create();
    eventually(() -> {
      AppReleaseStatus s = status(ns);
      assertThat(s.phase).isEqualTo("Pending");
      assertThat(s.message).contains("Secret mongodb does not exist").contains("container api env MONGODB_URI");
    });
    assertThat(deployment(ns, "blue")).isNull();
    assertThat(eventReasons(ns)).contains("MissingReference");
    Secret secret = new SecretBuilder().withNewMetadata().withName("mongodb").withNamespace(ns).endMetadata()
        .withStringData(Map.of("OTHER", "x")).build();
    client.resource(secret).create();
    nudge(ns);
    eventually(() -> assertThat(status(ns).message).contains("has no key MONGODB_URI"));
    client.secrets().inNamespace(ns).withName("mongodb").edit(s -> {
      s.setData(Map.of("MONGODB_URI", "bW9uZ29kYjovL2RiOjI3MDE3"));
      return s;
    });
    nudge(ns);
    eventually(() -> assertThat(activeColor(ns)).isEqualTo("blue"));
    String checksum = deployment(ns, "blue").getSpec().getTemplate().getMetadata().getAnnotations().get(Labels.CONFIG_CHECKSUM);
    assertThat(checksum).isNotBlank();
    // a change of the Secret's content is a new revision
    client.secrets().inNamespace(ns).withName("mongodb").edit(s -> {
      s.setData(Map.of("MONGODB_URI", "bW9uZ29kYjovL290aGVyOjI3MDE3"));
      return s;
    });
    nudge(ns);
    eventually(() -> {
      assertThat(status(ns).currentRevision).isEqualTo(2L);
      assertThat(activeColor(ns)).isEqualTo("green");
    });
    assertThat(deployment(ns, "green").getSpec().getTemplate().getMetadata().getAnnotations().get(Labels.CONFIG_CHECKSUM)).isNotEqualTo(checksum);
  }

  @Test
  void aServiceTurnoutDidNotCreateIsNeverTakenOver() {
    String ns = Releases.newNamespace(client, "conflict");
    Service foreign = new ServiceBuilder().withNewMetadata().withName("backend").withNamespace(ns).endMetadata()
        .withNewSpec().withSelector(Map.of("app", "legacy")).addNewPort().withPort(80).endPort().endSpec().build();
    client.resource(foreign).create();
    client.resource(Releases.backend(ns, "1.0.0", 1)).create();
    eventually(() -> {
      AppReleaseStatus s = status(ns);
      assertThat(s.message).contains("Service " + ns + "/backend already exists and is not owned by AppRelease backend");
      assertThat(s.conditions).anySatisfy(c -> {
        assertThat(c.getType()).isEqualTo("OwnershipClear");
        assertThat(c.getStatus()).isEqualTo("False");
      });
    });
    assertThat(client.services().inNamespace(ns).withName("backend").get().getSpec().getSelector()).isEqualTo(Map.of("app", "legacy"));
    assertThat(deployment(ns, "blue")).isNull();
    assertThat(eventReasons(ns)).contains("OwnershipConflict");
  }

  @Test
  void pausedFreezesOwnedObjects() {
    String ns = liveOn(Releases.newNamespace(client, "paused"), "1.0.0");
    edit(ns, ar -> {
      ar.getSpec().paused = true;
      ar.getSpec().version = "9.9.9";
      ar.getSpec().replicas = 4;
    });
    eventually(() -> assertThat(status(ns).phase).isEqualTo("Paused"));
    nudgeAndAwaitReconcile(ns);
    assertThat(deployment(ns, "green")).isNull();
    assertThat(deployment(ns, "blue").getSpec().getReplicas()).isEqualTo(2);
    edit(ns, ar -> ar.getSpec().paused = false);
    eventually(() -> assertThat(activeColor(ns)).isEqualTo("green"));
  }

  @Test
  void failedPrePromotionHookFailsTheRevisionWithoutMovingTraffic() {
    String ns = liveOn(Releases.newNamespace(client, "hooks"), "1.0.0");
    sim().jobs().whenName("backend-smoke-r2").after(Duration.ofMillis(200)).fail("BackoffLimitExceeded", "smoke test: GET /api/v1/health returned 500");
    edit(ns, ar -> {
      ar.getSpec().version = "1.1.0";
      HookSpec migrate = new HookSpec();
      migrate.name = "migrate";
      migrate.template = new JobTemplateSpecBuilder().withNewSpec().withNewTemplate().withNewSpec()
          .addNewContainer().withName("migrate").withImage("registry.example/backend:1.1.0").withCommand("alembic", "upgrade", "head").endContainer()
          .endSpec().endTemplate().endSpec().build();
      HookSpec smoke = new HookSpec();
      smoke.name = "smoke";
      smoke.template = new JobTemplateSpecBuilder().withNewSpec().withNewTemplate().withNewSpec()
          .addNewContainer().withName("smoke").withImage("curlimages/curl").endContainer().endSpec().endTemplate().endSpec().build();
      ar.getSpec().hooks = new HooksSpec();
      ar.getSpec().hooks.prePromotion = List.of(migrate, smoke);
    });
    eventually(() -> {
      AppReleaseStatus s = status(ns);
      assertThat(s.phase).isEqualTo("Failed");
      assertThat(s.history.get(0).reason).contains("hook smoke").contains("smoke test: GET /api/v1/health returned 500");
    });
    var migrateJob = client.batch().v1().jobs().inNamespace(ns).withName("backend-migrate-r2").get();
    assertThat(migrateJob.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv())
        .anySatisfy(e -> {
          assertThat(e.getName()).isEqualTo("TURNOUT_PREVIEW_SERVICE");
          assertThat(e.getValue()).isEqualTo("backend-preview." + ns + ".svc");
        });
    assertThat(migrateJob.getSpec().getTemplate().getSpec().getRestartPolicy()).isEqualTo("Never");
    assertThat(activeColor(ns)).isEqualTo("blue");
    assertThat(eventReasons(ns)).contains("HookFailed");
  }

  @Test
  void aLiveColorLosingReadyPodsIsDegradedUntilItRecovers() {
    String ns = liveOn(Releases.newNamespace(client, "degraded"), "1.0.0");
    sim().setReady(ns, color("backend", "blue"), false);
    eventually(() -> {
      AppReleaseStatus s = status(ns);
      assertThat(s.phase).isEqualTo("Degraded");
      assertThat(s.conditions).anySatisfy(c -> {
        assertThat(c.getType()).isEqualTo("Degraded");
        assertThat(c.getStatus()).isEqualTo("True");
        assertThat(c.getReason()).isEqualTo("LiveColorUnderReplicated");
        assertThat(c.getMessage()).isEqualTo("0/2 pods of blue ready");
      });
    });
    assertThat(activeColor(ns)).as("no color to go to: traffic stays").isEqualTo("blue");
    sim().setReady(ns, color("backend", "blue"), true);
    eventually(() -> assertThat(status(ns).phase).isEqualTo("Healthy"));
  }

  @Test
  void deletingTheReleaseRemovesWhatItOwns() {
    String ns = liveOn(Releases.newNamespace(client, "delete"), "1.0.0");
    release(ns).delete();
    eventually(() -> {
      assertThat(deployment(ns, "blue")).isNull();
      assertThat(client.services().inNamespace(ns).withName("backend").get()).isNull();
      assertThat(client.services().inNamespace(ns).withName("backend-preview").get()).isNull();
    });
  }
}
