package dev.turnout.apprelease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.turnout.common.Labels;
import dev.turnout.testing.ApiWrites;
import dev.turnout.testing.EmbeddedClusterResource;
import dev.turnout.testing.Releases;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What a release costs the API server, counted at the embedded cluster's API server: each version of a release makes
 * at most seven writes (its ControllerRevision, its color's Deployment, the preview Service, the status at the
 * revision's start, the switch, the status recording it, the status at convergence), however many progress steps its
 * pods go through; and the status write recording a switch comes right after the switch, with no Event before it.
 * The same is counted on the real tier from the audit log (ReleaseRealIT). A live release asks the API server nothing
 * either: the idle color's name is looked up only when it is about to be created.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedClusterResource.class)
class ReleaseWritesTest {
  static final int WRITES_PER_VERSION = 7;
  @Inject KubernetesClient client;
  @Inject dev.turnout.testing.Reconciles reconciles;

  String activeColor(String ns) {
    Service s = client.services().inNamespace(ns).withName("backend").get();
    return s == null ? null : s.getSpec().getSelector().get(Labels.COLOR);
  }

  AppRelease get(String ns) {
    return client.resources(AppRelease.class).inNamespace(ns).withName("backend").get();
  }

  /**
   * The operator's writes and Events in the namespace, in order, as "METHOD path" (the simulator's writes, i.e. pods,
   * EndpointSlices, Deployment and ReplicaSet status, are not the operator's).
   */
  static List<String> operatorWrites(List<RecordedRequest> requests, String ns) {
    return requests.stream()
        .filter(r -> Set.of("POST", "PUT", "PATCH", "DELETE").contains(r.getMethod()))
        .map(r -> r.getMethod() + " " + r.getPath().replaceFirst("\\?.*", ""))
        .filter(w -> w.contains("/namespaces/" + ns + "/"))
        .filter(w -> w.contains("/controllerrevisions") || w.contains("/services/") || w.contains("/appreleases/backend/status")
            || w.contains("/deployments/") && !w.endsWith("/status") || w.contains("/jobs") || w.contains("/events"))
        .toList();
  }

  @Test
  void eachVersionOfAReleaseMakesAtMostSevenWritesAndItsSwitchIsRecordedByTheNextOne() {
    var server = EmbeddedClusterResource.cluster().server();
    String ns = Releases.newNamespace(client, "writes");
    ApiWrites.drain(server);
    client.resource(Releases.backend(ns, "1.0.0", 2)).create();
    // read by a list here, so that a GET of the AppRelease by its name can only be the operator's
    await().atMost(Duration.ofSeconds(60)).ignoreExceptionsInstanceOf(NullPointerException.class).untilAsserted(() -> {
      assertThat(activeColor(ns)).isEqualTo("blue");
      assertThat(client.resources(AppRelease.class).inNamespace(ns).list().getItems()).singleElement()
          .satisfies(ar -> assertThat(ar.getStatus().phase).isEqualTo("Healthy"));
    });
    // the status of convergence is the last write: nothing follows it while the release stays as it is
    await().pollDelay(Duration.ofSeconds(2)).until(() -> true);
    List<RecordedRequest> firstRequests = ApiWrites.drain(server);
    // a status write is one request (fabric8 reads a resource given by name before patching it)
    assertThat(firstRequests.stream().map(r -> r.getMethod() + " " + r.getPath().replaceFirst("\\?.*", "")))
        .as("GETs of the AppRelease by name").doesNotContain("GET /apis/turnout.dev/v1alpha1/namespaces/" + ns + "/appreleases/backend");
    List<String> first = operatorWrites(firstRequests, ns);
    Releases.update(client, ns, "backend", ar -> ar.getSpec().version = "1.1.0");
    await().atMost(Duration.ofSeconds(60)).ignoreExceptionsInstanceOf(NullPointerException.class).untilAsserted(() -> {
      AppReleaseStatus s = get(ns).getStatus();
      assertThat(activeColor(ns)).isEqualTo("green");
      assertThat(s.phase).isEqualTo("Healthy");
      assertThat(s.switchConvergedAt).isNotNull();
    });
    await().pollDelay(Duration.ofSeconds(2)).until(() -> true);
    List<String> second = operatorWrites(ApiWrites.drain(server), ns).stream()
        .filter(w -> !w.equals("PUT /apis/turnout.dev/v1alpha1/namespaces/" + ns + "/appreleases/backend")) // the update
        .toList();
    for (List<String> version : List.of(first, second)) {
      List<String> writes = version.stream().filter(w -> !w.contains("/events")).toList();
      writes.forEach(w -> System.out.println("WRITES " + w));
      assertThat(writes).as("writes of one version of a release: %s", writes).hasSizeLessThanOrEqualTo(WRITES_PER_VERSION);
      String service = "PATCH /api/v1/namespaces/" + ns + "/services/backend";
      int switched = version.indexOf(service);
      assertThat(switched).as("the switch among %s", version).isNotNegative();
      assertThat(version.get(switched + 1)).as("what follows the switch in %s", version)
          .isEqualTo("PATCH /apis/turnout.dev/v1alpha1/namespaces/" + ns + "/appreleases/backend/status");
    }
  }

  String liveOnBlue(String prefix) {
    String ns = Releases.newNamespace(client, prefix);
    client.resource(Releases.backend(ns, "1.0.0", 2)).create();
    await().atMost(Duration.ofSeconds(60)).ignoreExceptionsInstanceOf(NullPointerException.class).untilAsserted(() -> {
      assertThat(activeColor(ns)).isEqualTo("blue");
      assertThat(get(ns).getStatus().phase).isEqualTo("Healthy");
    });
    return ns;
  }

  /** Before, every reconcile of a release with one version asked the API server for its idle color, which is not there. */
  @Test
  void aLiveReleaseAsksTheApiServerNothingWhenReconciled() {
    String ns = liveOnBlue("reads");
    var server = EmbeddedClusterResource.cluster().server();
    await().pollDelay(Duration.ofSeconds(1)).until(() -> true);
    ApiWrites.drain(server);
    AppRelease nudged = null;
    for (int i = 0; i < 3; i++) {
      nudged = Releases.nudge(client, ns, "backend");
    }
    reconciles.awaitReconciled(nudged);
    List<String> lookups = ApiWrites.drain(server).stream()
        .filter(r -> r.getMethod().equals("GET") && !r.getPath().contains("watch=true"))
        .map(r -> r.getMethod() + " " + r.getPath())
        .filter(p -> p.contains("/namespaces/" + ns + "/deployments/backend-") || p.contains("/namespaces/" + ns + "/services/backend"))
        .toList();
    assertThat(lookups).as("requests for the release's objects while reconciling it unchanged").isEmpty();
  }

  @Test
  void aColorNameTakenAfterTheFirstReleaseBlocksTheNextRevisionAndIsNeverTakenOver() throws Exception {
    String ns = liveOnBlue("taken");
    var foreign = new io.fabric8.kubernetes.api.model.apps.DeploymentBuilder()
        .withNewMetadata().withName("backend-green").withNamespace(ns).endMetadata()
        .withNewSpec().withReplicas(0).withNewSelector().addToMatchLabels("app", "legacy").endSelector()
        .withNewTemplate().withNewMetadata().addToLabels("app", "legacy").endMetadata()
        .withNewSpec().addNewContainer().withName("legacy").withImage("registry.example/legacy:1").endContainer().endSpec()
        .endTemplate().endSpec().build();
    client.resource(foreign).create();
    Releases.update(client, ns, "backend", ar -> ar.getSpec().version = "1.1.0");
    await().atMost(Duration.ofSeconds(60)).ignoreExceptionsInstanceOf(NullPointerException.class).untilAsserted(() -> {
      AppReleaseStatus s = get(ns).getStatus();
      assertThat(s.message).contains("Deployment " + ns + "/backend-green already exists and is not owned by AppRelease backend");
      assertThat(s.conditions).anySatisfy(c -> {
        assertThat(c.getType()).isEqualTo("OwnershipClear");
        assertThat(c.getStatus()).isEqualTo("False");
      });
    });
    var green = client.apps().deployments().inNamespace(ns).withName("backend-green").get();
    assertThat(green.getSpec().getTemplate().getSpec().getContainers()).singleElement()
        .satisfies(c -> assertThat(c.getImage()).isEqualTo("registry.example/legacy:1"));
    assertThat(green.getMetadata().getOwnerReferences()).isNullOrEmpty();
    assertThat(activeColor(ns)).isEqualTo("blue");
    assertThat(client.v1().events().inNamespace(ns).list().getItems()).anySatisfy(e -> assertThat(e.getReason()).isEqualTo("OwnershipConflict"));

    // the name freed: the revision rolls out, its progress deadline counted from then, not from when it was recorded
    java.time.Instant recorded = java.time.Instant.parse(get(ns).getStatus().revisionStartedAt);
    Thread.sleep(1100); // status times have second precision: the name is freed in a later second than the record
    client.resource(foreign).delete();
    await().atMost(Duration.ofSeconds(60)).ignoreExceptionsInstanceOf(NullPointerException.class).untilAsserted(() -> {
      assertThat(client.apps().deployments().inNamespace(ns).withName("backend-green").get().getMetadata().getOwnerReferences())
          .isNotEmpty();
      assertThat(java.time.Instant.parse(get(ns).getStatus().revisionStartedAt)).isAfter(recorded);
    });
  }
}
