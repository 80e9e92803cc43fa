package dev.turnout.apprelease;

import static org.assertj.core.api.Assertions.assertThat;

import dev.turnout.testing.Releases;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Drift from the cache: what Turnout sets against what the API server holds, with the API server's normal forms. */
class FieldDriftTest {
  static AppRelease release() {
    AppRelease ar = Releases.backend("shop", "1.0.0", 2);
    ar.getMetadata().setUid("uid-1");
    return ar;
  }

  static Deployment desired() {
    AppRelease ar = release();
    ar.getSpec().template.getSpec().getContainers().get(0).setResources(new io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder()
        .withRequests(Map.of("cpu", new Quantity("0.5"), "memory", new Quantity("128Mi"))).build());
    return ReleaseObjectsFactory.deployment(ar, Color.blue, 1, "h1", null, 2);
  }

  /** The desired Deployment as a real API server gives it back: defaults, normal forms, other controllers' fields. */
  static Deployment live(Consumer<Deployment> change) {
    Deployment d = Serialization.clone(desired());
    d.getMetadata().setResourceVersion("42");
    d.getMetadata().setGeneration(3L);
    d.getMetadata().getAnnotations().put("deployment.kubernetes.io/revision", "1");
    var spec = d.getSpec();
    spec.setRevisionHistoryLimit(10);
    spec.setStrategy(new io.fabric8.kubernetes.api.model.apps.DeploymentStrategyBuilder().withType("RollingUpdate").build());
    var container = spec.getTemplate().getSpec().getContainers().get(0);
    container.setImagePullPolicy("IfNotPresent");
    container.setTerminationMessagePath("/dev/termination-log");
    container.getPorts().get(0).setProtocol("TCP");
    container.getResources().setRequests(Map.of("cpu", new Quantity("500m"), "memory", new Quantity("128Mi")));
    spec.getTemplate().getSpec().setRestartPolicy("Always");
    spec.getTemplate().getSpec().setDnsPolicy("ClusterFirst");
    change.accept(d);
    return d;
  }

  @Test
  void whatTheApiServerDefaultsOrNormalisesIsNoDrift() {
    assertThat(FieldDrift.find(desired(), live(d -> { }))).isEmpty();
  }

  @Test
  void fieldsTurnoutDoesNotSetAreNotItsBusiness() {
    Deployment restarted = live(d -> d.getSpec().getTemplate().getMetadata()
        .setAnnotations(Map.of("kubectl.kubernetes.io/restartedAt", "2026-01-01T00:00:00Z")));
    assertThat(FieldDrift.find(desired(), restarted)).as("kubectl rollout restart").isEmpty();
    Deployment sidecar = live(d -> d.getSpec().getTemplate().getSpec().getContainers()
        .add(new io.fabric8.kubernetes.api.model.ContainerBuilder().withName("mesh").withImage("proxy").build()));
    assertThat(FieldDrift.find(desired(), sidecar)).as("an item another manager added to a keyed list").isEmpty();
  }

  @Test
  void aChangedImageOrReplicaCountIsDriftWithItsPath() {
    Deployment image = live(d -> d.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("evil:6.6.6"));
    assertThat(FieldDrift.find(desired(), image)).hasValueSatisfying(diff -> {
      assertThat(diff.path()).isEqualTo("spec.template.spec.containers[api].image");
      assertThat(diff.fieldPath()).containsExactly("f:spec", "f:template", "f:spec", "f:containers", "k:{\"name\":\"api\"}", "f:image");
    });
    Deployment scaled = live(d -> d.getSpec().setReplicas(5));
    assertThat(FieldDrift.find(desired(), scaled)).hasValueSatisfying(diff -> assertThat(diff.path()).isEqualTo("spec.replicas"));
    Deployment quantity = live(d -> d.getSpec().getTemplate().getSpec().getContainers().get(0).getResources()
        .setRequests(Map.of("cpu", new Quantity("1"), "memory", new Quantity("128Mi"))));
    assertThat(FieldDrift.find(desired(), quantity)).hasValueSatisfying(diff ->
        assertThat(diff.path()).isEqualTo("spec.template.spec.containers[api].resources.requests.cpu"));
    Deployment label = live(d -> d.getMetadata().getLabels().remove("turnout.dev/color"));
    assertThat(FieldDrift.find(desired(), label)).hasValueSatisfying(diff ->
        assertThat(diff.path()).isEqualTo("metadata.labels.turnout.dev/color"));
  }

  @Test
  void aServiceSelectorIsAtomicAnExtraKeyIsDrift() {
    Service desired = ReleaseObjectsFactory.service(release(), "backend", Color.blue, "active");
    Service live = Serialization.clone(desired);
    live.getSpec().setClusterIP("10.0.0.7");
    live.getSpec().getPorts().get(0).setProtocol("TCP");
    assertThat(FieldDrift.find(desired, live)).isEmpty();
    live.getSpec().setSelector(new java.util.HashMap<>(live.getSpec().getSelector()));
    live.getSpec().getSelector().put("version", "canary");
    assertThat(FieldDrift.find(desired, live)).hasValueSatisfying(diff -> assertThat(diff.path()).isEqualTo("spec.selector"));
  }

  @Test
  void theManagerIsTheOneManagedFieldsNameForTheChangedField() throws Exception {
    Deployment image = live(d -> d.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("evil:6.6.6"));
    // as a real API server writes them after `kubectl set image` and `kubectl scale`
    image.getMetadata().setManagedFields(List.of(
        entry("turnout", "Apply", null, "2026-01-01T00:00:00Z",
            "{\"f:spec\":{\"f:replicas\":{},\"f:template\":{\"f:spec\":{\"f:containers\":{\"k:{\\\"name\\\":\\\"api\\\"}\":{\".\":{},\"f:name\":{}}}}}}}"),
        entry("kube-controller-manager", "Update", "status", "2026-01-01T00:02:00Z", "{\"f:status\":{\"f:replicas\":{}}}"),
        entry("kubectl-set", "Update", null, "2026-01-01T00:01:00Z",
            "{\"f:spec\":{\"f:template\":{\"f:spec\":{\"f:containers\":{\"k:{\\\"name\\\":\\\"api\\\"}\":{\"f:image\":{}}}}}}}"),
        entry("kubectl", "Update", "scale", "2026-01-01T00:03:00Z", "{\"f:spec\":{\"f:replicas\":{}}}")));
    FieldDrift.Difference diff = FieldDrift.find(desired(), image).orElseThrow();
    assertThat(FieldDrift.manager(image, diff, "turnout")).isEqualTo("kubectl-set");
    Deployment scaled = live(d -> d.getSpec().setReplicas(5));
    scaled.getMetadata().setManagedFields(image.getMetadata().getManagedFields());
    assertThat(FieldDrift.manager(scaled, FieldDrift.find(desired(), scaled).orElseThrow(), "turnout")).isEqualTo("kubectl");
    scaled.getMetadata().setManagedFields(List.of(image.getMetadata().getManagedFields().get(0)));
    assertThat(FieldDrift.manager(scaled, FieldDrift.find(desired(), scaled).orElseThrow(), "turnout"))
        .as("managedFields do not tell").isNull();
  }

  static ManagedFieldsEntry entry(String manager, String operation, String subresource, String time, String fields) throws Exception {
    return Serialization.unmarshal("{\"manager\":\"" + manager + "\",\"operation\":\"" + operation + "\",\"apiVersion\":\"apps/v1\","
        + (subresource == null ? "" : "\"subresource\":\"" + subresource + "\",") + "\"time\":\"" + time
        + "\",\"fieldsType\":\"FieldsV1\",\"fieldsV1\":" + fields + "}", ManagedFieldsEntry.class);
  }
}
