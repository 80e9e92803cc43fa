package dev.turnout.apprelease;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.FieldsV1;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReleaseDecisionsTest {

  static AppReleaseSpec spec(String version, String image) {
    AppReleaseSpec s = new AppReleaseSpec();
    s.version = version;
    s.template = new PodTemplateSpecBuilder().withNewSpec().addNewContainer().withName("api").withImage(image).endContainer().endSpec().build();
    return s;
  }

  @Test
  void revisionHashChangesWithVersionTemplateOrConfigButNotReplicas() {
    AppReleaseSpec a = spec("1.0", "app:1");
    String h = ReleaseDecisions.revisionHash(a, "cfg1");
    assertThat(ReleaseDecisions.revisionHash(spec("1.0", "app:1"), "cfg1")).isEqualTo(h);
    assertThat(ReleaseDecisions.revisionHash(spec("1.1", "app:1"), "cfg1")).isNotEqualTo(h);
    assertThat(ReleaseDecisions.revisionHash(spec("1.0", "app:2"), "cfg1")).isNotEqualTo(h);
    assertThat(ReleaseDecisions.revisionHash(a, "cfg2")).isNotEqualTo(h);
    a.replicas = 7;
    assertThat(ReleaseDecisions.revisionHash(a, "cfg1")).isEqualTo(h);
  }

  @Test
  void firstReleaseGoesToBlueThenAlternates() {
    assertThat(ReleaseDecisions.colorForNewRevision(null)).isEqualTo(Color.blue);
    assertThat(ReleaseDecisions.colorForNewRevision(Color.blue)).isEqualTo(Color.green);
    assertThat(ReleaseDecisions.colorForNewRevision(Color.green)).isEqualTo(Color.blue);
  }

  static Deployment deployment(int replicas, long generation, long observed, int statusReplicas, int updated, int ready, int available) {
    return new DeploymentBuilder().withNewMetadata().withName("backend-green").withGeneration(generation).endMetadata()
        .withNewSpec().withReplicas(replicas).endSpec()
        .withNewStatus().withObservedGeneration(observed).withReplicas(statusReplicas).withUpdatedReplicas(updated)
        .withReadyReplicas(ready).withAvailableReplicas(available).endStatus().build();
  }

  @Test
  void rolledOutNeedsObservedGenerationAndEveryReplicaUpdatedAndAvailable() {
    assertThat(ReleaseDecisions.rolledOut(deployment(3, 2, 2, 3, 3, 3, 3), 3)).isTrue();
    assertThat(ReleaseDecisions.rolledOut(deployment(3, 2, 1, 3, 3, 3, 3), 3)).as("stale status").isFalse();
    assertThat(ReleaseDecisions.rolledOut(deployment(3, 2, 2, 4, 3, 3, 3), 3)).as("old pods still there").isFalse();
    assertThat(ReleaseDecisions.rolledOut(deployment(3, 2, 2, 3, 3, 2, 2), 3)).as("one not available").isFalse();
    assertThat(ReleaseDecisions.rolledOut(deployment(3, 2, 2, 3, 2, 3, 3), 3)).as("one not updated").isFalse();
    assertThat(ReleaseDecisions.rolledOut(null, 3)).isFalse();
  }

  static EndpointSlice slice(Map<String, Boolean> podsReady) {
    EndpointSliceBuilder b = new EndpointSliceBuilder().withNewMetadata().withName("s").endMetadata().withAddressType("IPv4");
    podsReady.forEach((pod, ready) -> b.addNewEndpoint().withAddresses("10.0.0.1").withNewConditions().withReady(ready).endConditions()
        .withNewTargetRef().withKind("Pod").withName(pod).endTargetRef().endEndpoint());
    return b.build();
  }

  /** The release's pods by name, as the pod informer's labels say. */
  static Map<String, ReleasePods.PodLabels> pods(Object... nameColorRevision) {
    Map<String, ReleasePods.PodLabels> pods = new java.util.HashMap<>();
    for (int i = 0; i < nameColorRevision.length; i += 3) {
      pods.put((String) nameColorRevision[i], new ReleasePods.PodLabels("backend", (Color) nameColorRevision[i + 1], (String) nameColorRevision[i + 2]));
    }
    return pods;
  }

  @Test
  void countsReadyEndpointsOfOneColorAndRevisionOnly() {
    var s = slice(Map.of("backend-green-abc-1", true, "backend-green-abc-2", false, "backend-blue-x-1", true, "backend-green-old-1", true));
    var pods = pods("backend-green-abc-1", Color.green, "2", "backend-green-abc-2", Color.green, "2", "backend-blue-x-1", Color.blue, "1",
        "backend-green-old-1", Color.green, "1");
    assertThat(ReleaseDecisions.readyEndpointsOf(List.of(s), pods, Color.green, 2L)).isEqualTo(1);
    assertThat(ReleaseDecisions.readyEndpointsOf(List.of(s), pods, Color.green, null)).isEqualTo(2);
    assertThat(ReleaseDecisions.readyEndpointsOf(null, pods, Color.green, 2L)).isZero();
    assertThat(ReleaseDecisions.readyEndpointsOf(List.of(s), Map.of(), Color.green, 2L)).as("pods not known yet").isZero();
  }

  /**
   * Issue 10 item 15d: real pod names are {@code <replicaset>-<5 random>} with the base cut to 58 characters, so a long
   * release name gives pods of both colors the same prefix: the color comes from the pod's labels, not its name.
   */
  @Test
  void podsAreMatchedByTheirLabelsNotTheirNames() {
    String base = "a-release-name-long-enough-that-the-api-server-cuts-its-po"; // 58 characters: both colors share it
    var s = slice(Map.of(base + "x7k2p", true, base + "q9w4z", true));
    var pods = pods(base + "x7k2p", Color.green, "2", base + "q9w4z", Color.blue, "1");
    assertThat(ReleaseDecisions.readyEndpointsOf(List.of(s), pods, Color.green, 2L)).isEqualTo(1);
    assertThat(ReleaseDecisions.switchConverged(List.of(s), pods, Color.green)).as("a blue pod still serves").isFalse();
    var onlyGreen = slice(Map.of(base + "x7k2p", true));
    assertThat(ReleaseDecisions.switchConverged(List.of(onlyGreen), pods, Color.green)).isTrue();
    // a pod named like the Deployment but labelled otherwise is not counted
    var misleading = slice(Map.of("backend-green-abc-1", true));
    assertThat(ReleaseDecisions.readyEndpointsOf(List.of(misleading), pods("backend-green-abc-1", Color.blue, "1"), Color.green, null)).isZero();
  }

  @Test
  void switchConvergesOnlyWhenNoOldColorEndpointRemains() {
    var pods = pods("backend-green-a-1", Color.green, "2", "backend-blue-a-1", Color.blue, "1");
    assertThat(ReleaseDecisions.switchConverged(List.of(slice(Map.of("backend-green-a-1", true, "backend-blue-a-1", true))), pods, Color.green)).isFalse();
    assertThat(ReleaseDecisions.switchConverged(List.of(slice(Map.of("backend-green-a-1", true))), pods, Color.green)).isTrue();
    assertThat(ReleaseDecisions.switchConverged(List.of(slice(Map.of("backend-green-a-1", false))), pods, Color.green)).as("none ready").isFalse();
    assertThat(ReleaseDecisions.switchConverged(List.of(), pods, Color.green)).isFalse();
    assertThat(ReleaseDecisions.switchConverged(List.of(slice(Map.of("backend-green-a-2", true))), pods, Color.green))
        .as("a pod not in the cache yet").isFalse();
  }

  @Test
  void deadline() {
    Instant start = Instant.parse("2026-01-01T00:00:00Z");
    assertThat(ReleaseDecisions.deadlineMissed(start.plusSeconds(600), start, 600)).isFalse();
    assertThat(ReleaseDecisions.deadlineMissed(start.plusSeconds(601), start, 600)).isTrue();
    assertThat(ReleaseDecisions.deadlineMissed(start, null, 600)).isFalse();
  }

  @Test
  void jobOutcomeFromConditions() {
    Job running = new JobBuilder().withNewStatus().withActive(1).endStatus().build();
    Job done = new JobBuilder().withNewStatus().addNewCondition().withType("Complete").withStatus("True").endCondition().endStatus().build();
    Job failed = new JobBuilder().withNewStatus().addNewCondition().withType("Failed").withStatus("True").withReason("BackoffLimitExceeded")
        .withMessage("Job has reached the specified backoff limit").endCondition().endStatus().build();
    assertThat(ReleaseDecisions.jobOutcome(running)).isEmpty();
    assertThat(ReleaseDecisions.jobOutcome(done)).contains(true);
    assertThat(ReleaseDecisions.jobOutcome(failed)).contains(false);
    assertThat(ReleaseDecisions.jobFailureMessage(failed)).contains("BackoffLimitExceeded");
  }

  @Test
  void lastSpecManagerIgnoresStatusWrites() {
    FieldsV1 spec = new FieldsV1();
    spec.setAdditionalProperty("f:spec", Map.of());
    FieldsV1 status = new FieldsV1();
    status.setAdditionalProperty("f:status", Map.of());
    var entries = List.of(
        new ManagedFieldsEntryBuilder().withManager("kubectl-client-side-apply").withTime("2026-01-01T00:00:00Z").withFieldsV1(spec).build(),
        new ManagedFieldsEntryBuilder().withManager("argocd-controller").withTime("2026-01-02T00:00:00Z").withFieldsV1(spec).build(),
        new ManagedFieldsEntryBuilder().withManager("turnout").withSubresource("status").withTime("2026-01-03T00:00:00Z").withFieldsV1(status).build());
    assertThat(ReleaseDecisions.lastSpecManager(entries)).isEqualTo("argocd-controller");
    assertThat(ReleaseDecisions.lastSpecManager(null)).isNull();
  }

  @Test
  void imagesOfTheTemplate() {
    assertThat(ReleaseDecisions.images(spec("1", "registry/app:1"))).containsExactly("registry/app:1");
  }
}
