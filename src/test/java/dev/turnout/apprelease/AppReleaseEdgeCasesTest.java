package dev.turnout.apprelease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.turnout.common.Labels;
import dev.turnout.testing.EmbeddedClusterResource;
import dev.turnout.testing.Reconciles;
import dev.turnout.testing.Releases;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.JobTemplateSpecBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import org.awaitility.core.ThrowingRunnable;
import org.junit.jupiter.api.Test;

/** Edges of the release lifecycle from issue 10 item 15 (b, d, f), against the embedded cluster. */
@QuarkusTest
@QuarkusTestResource(EmbeddedClusterResource.class)
class AppReleaseEdgeCasesTest {
  static final Duration WAIT = Duration.ofSeconds(30);

  @Inject KubernetesClient client;
  @Inject Reconciles reconciles;

  AppReleaseStatus status(String ns, String name) {
    return client.resources(AppRelease.class).inNamespace(ns).withName(name).get().getStatus();
  }

  Deployment deployment(String ns, String name) {
    return client.apps().deployments().inNamespace(ns).withName(name).get();
  }

  String activeColor(String ns, String service) {
    Service s = client.services().inNamespace(ns).withName(service).get();
    return s == null ? null : s.getSpec().getSelector().get(Labels.COLOR);
  }

  void eventually(ThrowingRunnable assertion) {
    await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).ignoreExceptionsInstanceOf(NullPointerException.class).untilAsserted(assertion);
  }

  List<Event> events(String ns, String reason) {
    return client.v1().events().inNamespace(ns).list().getItems().stream().filter(e -> reason.equals(e.getReason())).toList();
  }

  String liveOn(String ns, AppRelease ar) {
    client.resource(ar).create();
    String name = ar.getMetadata().getName();
    eventually(() -> {
      assertThat(activeColor(ns, ar.activeServiceName())).isEqualTo("blue");
      assertThat(status(ns, name).phase).isEqualTo("Healthy");
    });
    return ns;
  }

  /**
   * Issue 10 item 15d: real pod names are {@code <replicaset>-<5 random>} with the generateName base cut to 58 characters
   * (the simulator names them so, like the API server). With a 60-character release name the pods of both colors start
   * with the same 58 characters and none with {@code <deployment>-}: matching endpoints to colors by name prefix never
   * saw the new color ready (no switch). By the pods' labels it rolls out, switches and converges.
   */
  @Test
  void aReleaseWhosePodNamesAreCutRollsOutSwitchesAndConverges() {
    String ns = Releases.newNamespace(client, "longname");
    String name = "checkout-service-of-the-auto-author-platform-blue-green-2026"; // 60 characters
    assertThat(name).hasSize(60);
    AppRelease ar = Releases.backend(ns, "1.0.0", 2);
    ar.getMetadata().setName(name);
    ar.getSpec().service.previewName = "checkout-preview"; // <name>-preview would be longer than a Service name may be
    liveOn(ns, ar);
    Releases.update(client, ns, name, a -> a.getSpec().version = "1.1.0");
    eventually(() -> {
      AppReleaseStatus s = status(ns, name);
      assertThat(activeColor(ns, name)).isEqualTo("green");
      assertThat(s.activeRevision).isEqualTo(2L);
      assertThat(s.switchConvergedAt).isNotNull();
      assertThat(s.phase).isEqualTo("Healthy");
    });
    assertThat(deployment(ns, name + "-blue").getSpec().getReplicas()).as("kept up for rollback").isEqualTo(2);
    var pods = client.pods().inNamespace(ns).withLabel(Labels.INSTANCE, name).list().getItems();
    assertThat(pods).extracting(p -> p.getMetadata().getName()).isNotEmpty().allSatisfy(n -> {
      assertThat(n).startsWith(name.substring(0, 58)).hasSize(63);
      assertThat(n).doesNotStartWith(name + "-green-").doesNotStartWith(name + "-blue-");
    });
    // and back: a rollback converges on blue by the same labels
    Releases.update(client, ns, name, a -> a.getMetadata().getAnnotations().put(Labels.ROLLBACK, "back-1"));
    eventually(() -> {
      assertThat(activeColor(ns, name)).isEqualTo("blue");
      assertThat(status(ns, name).phase).isEqualTo("RolledBack");
      assertThat(status(ns, name).switchConvergedAt).isNotNull();
    });
  }

  /**
   * Issue 10 item 15f: scaleDownDelaySeconds=0 is accepted (the previous color's capacity comes back at once), but the
   * release says that there is no instant rollback instead of leaving a person to find out when they need one.
   */
  @Test
  void scaleDownDelayZeroSaysThereIsNoRollbackWindow() {
    String ns = Releases.newNamespace(client, "nodelay");
    AppRelease ar = Releases.backend(ns, "1.0.0", 2);
    ar.getSpec().strategy.scaleDownDelaySeconds = 0;
    liveOn(ns, ar);
    Releases.update(client, ns, "backend", a -> a.getSpec().version = "1.1.0");
    eventually(() -> {
      AppReleaseStatus s = status(ns, "backend");
      assertThat(activeColor(ns, "backend")).isEqualTo("green");
      assertThat(s.switchConvergedAt).isNotNull();
      assertThat(s.conditions).anySatisfy(c -> {
        assertThat(c.getType()).isEqualTo("RollbackAvailable");
        assertThat(c.getStatus()).isEqualTo("False");
        assertThat(c.getReason()).isEqualTo("NoRollbackWindow");
        assertThat(c.getMessage()).contains("strategy.scaleDownDelaySeconds=0").contains("previous color blue");
      });
      assertThat(deployment(ns, "backend-blue").getSpec().getReplicas()).as("scaled down at once").isZero();
      assertThat(s.previousColor).isNull();
    });
    // a later switch with a delay again says the previous color is kept up
    Releases.update(client, ns, "backend", a -> {
      a.getSpec().strategy.scaleDownDelaySeconds = 600;
      a.getSpec().version = "1.2.0";
    });
    eventually(() -> {
      assertThat(activeColor(ns, "backend")).isEqualTo("blue");
      assertThat(status(ns, "backend").switchConvergedAt).isNotNull();
      assertThat(status(ns, "backend").conditions).anySatisfy(c -> {
        assertThat(c.getType()).isEqualTo("RollbackAvailable");
        assertThat(c.getStatus()).isEqualTo("True");
        assertThat(c.getReason()).isEqualTo("PreviousColorKeptUp");
      });
    });
  }

  /**
   * Issue 10 item 15b: a hook Job that succeeded and was then deleted (by the TTL-after-finished controller, or by hand)
   * does not run again for the same revision: its result is in status.hooks and trusted over the missing Job.
   */
  @Test
  void aHookWhoseJobIsDeletedAfterItSucceededDoesNotRunAgain() {
    String ns = Releases.newNamespace(client, "hookttl");
    liveOn(ns, Releases.backend(ns, "1.0.0", 1));
    Releases.update(client, ns, "backend", a -> {
      a.getSpec().version = "1.1.0";
      a.getSpec().strategy.autoPromote = false;
      HookSpec smoke = new HookSpec();
      smoke.name = "smoke";
      smoke.template = new JobTemplateSpecBuilder().withNewSpec().withNewTemplate().withNewSpec()
          .addNewContainer().withName("smoke").withImage("curlimages/curl").endContainer().endSpec().endTemplate().endSpec().build();
      a.getSpec().hooks = new HooksSpec();
      a.getSpec().hooks.prePromotion = List.of(smoke);
    });
    eventually(() -> {
      AppReleaseStatus s = status(ns, "backend");
      assertThat(s.phase).isEqualTo("AwaitingPromotion");
      assertThat(s.hooks).singleElement().satisfies(h -> {
        assertThat(h.name).isEqualTo("smoke");
        assertThat(h.revision).isEqualTo(2L);
        assertThat(h.job).isEqualTo("backend-smoke-r2");
        assertThat(h.outcome).isEqualTo("Succeeded");
        assertThat(h.finishedAt).isNotBlank();
      });
    });
    // what the TTL-after-finished controller does to a finished Job
    client.batch().v1().jobs().inNamespace(ns).withName("backend-smoke-r2").delete();
    eventually(() -> assertThat(client.batch().v1().jobs().inNamespace(ns).withName("backend-smoke-r2").get()).isNull());
    reconciles.awaitReconciled(Releases.nudge(client, ns, "backend"));
    reconciles.awaitReconciled(Releases.nudge(client, ns, "backend"));
    assertThat(client.batch().v1().jobs().inNamespace(ns).withName("backend-smoke-r2").get()).as("not run again").isNull();
    assertThat(events(ns, "HookStarted")).hasSize(1);
    assertThat(status(ns, "backend").conditions).anySatisfy(c -> {
      assertThat(c.getType()).isEqualTo("HooksSucceeded");
      assertThat(c.getStatus()).isEqualTo("True");
    });
    Releases.update(client, ns, "backend", a -> a.getMetadata().getAnnotations().put(Labels.PROMOTE, "go-1"));
    eventually(() -> assertThat(activeColor(ns, "backend")).isEqualTo("green"));
    // a new revision runs its hooks again, with results of its own
    Releases.update(client, ns, "backend", a -> a.getSpec().version = "1.2.0");
    eventually(() -> assertThat(status(ns, "backend").hooks).singleElement()
        .satisfies(h -> assertThat(h.revision).isEqualTo(3L)));
    assertThat(events(ns, "HookStarted")).hasSize(2);
  }
}
