package dev.turnout.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The embedded API server's server-side apply behaves as https://kubernetes.io/docs/reference/using-api/server-side-apply/ says. */
class ServerSideApplyTest {
  static EmbeddedCluster cluster;
  static KubernetesClient client;

  @BeforeAll
  static void start() {
    cluster = EmbeddedCluster.start();
    client = cluster.client();
    cluster.createNamespaces("ssa");
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  static Deployment desired(String name, String image, int replicas, Map<String, String> env) {
    return new DeploymentBuilder().withNewMetadata().withName(name).withNamespace("ssa").withLabels(Map.of("app", name)).endMetadata()
        .withNewSpec().withReplicas(replicas).withNewSelector().withMatchLabels(Map.of("app", name)).endSelector()
        .withNewTemplate().withNewMetadata().withLabels(Map.of("app", name)).endMetadata().withNewSpec()
        .addNewContainer().withName("api").withImage(image)
        .withEnv(env.entrySet().stream().map(e -> new io.fabric8.kubernetes.api.model.EnvVar(e.getKey(), e.getValue(), null)).toList())
        .endContainer().endSpec().endTemplate().endSpec().build();
  }

  static Deployment apply(Deployment d) {
    return client.resource(d).fieldManager("turnout").forceConflicts().serverSideApply();
  }

  @Test
  void createsWhatIsMissingAndRecordsTheManagersFields() {
    Deployment d = apply(desired("created", "app:1", 2, Map.of()));
    assertThat(d.getMetadata().getUid()).isNotBlank();
    assertThat(d.getMetadata().getGeneration()).isEqualTo(1L);
    assertThat(d.getMetadata().getManagedFields()).singleElement().satisfies(e -> {
      assertThat(e.getManager()).isEqualTo("turnout");
      assertThat(e.getOperation()).isEqualTo("Apply");
      Map<String, Object> spec = fields(e, "f:spec");
      assertThat(spec).containsKey("f:replicas");
      assertThat(fields(e, "f:spec", "f:template", "f:spec", "f:containers")).containsKey("k:{\"name\":\"api\"}");
    });
  }

  @Test
  void mergesWhatOthersSetAndRemovesOnlyWhatTheManagerNoLongerApplies() {
    apply(desired("merged", "app:1", 2, Map.of("A", "1", "B", "2")));
    // what `kubectl rollout restart` sends, as a merge patch: a field the applier does not set
    client.apps().deployments().inNamespace("ssa").withName("merged").patch(PatchContext.of(PatchType.JSON_MERGE),
        "{\"spec\":{\"template\":{\"metadata\":{\"annotations\":{\"kubectl.kubernetes.io/restartedAt\":\"now\"}}}}}");
    Deployment d = apply(desired("merged", "app:2", 3, Map.of("A", "1")));
    assertThat(d.getSpec().getReplicas()).isEqualTo(3);
    assertThat(d.getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).isEqualTo("app:2");
    assertThat(d.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv()).extracting(e -> e.getName())
        .as("B was applied before and is no longer").containsExactly("A");
    assertThat(d.getSpec().getTemplate().getMetadata().getAnnotations()).containsEntry("kubectl.kubernetes.io/restartedAt", "now");
    assertThat(d.getMetadata().getGeneration()).isEqualTo(3L);
  }

  @Test
  void anApplyThatChangesNothingWritesNothing() {
    Deployment first = apply(desired("same", "app:1", 2, Map.of()));
    Deployment again = apply(desired("same", "app:1", 2, Map.of()));
    assertThat(again.getMetadata().getResourceVersion()).isEqualTo(first.getMetadata().getResourceVersion());
    assertThat(again.getMetadata().getManagedFields().get(0).getTime()).isEqualTo(first.getMetadata().getManagedFields().get(0).getTime());
  }

  @Test
  void anotherManagersFieldIsAConflictUnlessForcedAndAStaleResourceVersionIsRefused() {
    Deployment d = desired("shared", "app:1", 2, Map.of());
    client.resource(d).fieldManager("other").serverSideApply();
    assertThatThrownBy(() -> client.resource(desired("shared", "app:2", 2, Map.of())).fieldManager("turnout").serverSideApply())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
          assertThat(e.getCode()).isEqualTo(409);
          assertThat(e.getStatus().getMessage()).contains("conflict with \"other\"");
        });
    Deployment forced = apply(desired("shared", "app:2", 2, Map.of()));
    assertThat(forced.getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).isEqualTo("app:2");
    Deployment stale = desired("shared", "app:3", 2, Map.of());
    stale.getMetadata().setResourceVersion("1");
    assertThatThrownBy(() -> apply(stale)).isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(409));
  }

  @Test
  void anInvalidResultIsRefusedAsTheApiServerWouldRefuseIt() {
    Deployment d = desired("invalid", "app:1", 1, Map.of());
    d.getSpec().getTemplate().getSpec().getContainers().get(0).setName("Bad_Name");
    assertThatThrownBy(() -> apply(d)).isInstanceOfSatisfying(KubernetesClientException.class, e -> {
      assertThat(e.getCode()).isEqualTo(422);
      assertThat(e.getStatus().getReason()).isEqualTo("Invalid");
      assertThat(e.getStatus().getMessage()).contains("spec.template.spec.containers[0].name: Invalid value: \"Bad_Name\"");
    });
    assertThat(client.apps().deployments().inNamespace("ssa").withName("invalid").get()).isNull();
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> fields(ManagedFieldsEntry e, String... path) {
    Map<String, Object> m = e.getFieldsV1().getAdditionalProperties();
    for (String p : path) {
      m = (Map<String, Object>) m.get(p);
    }
    return m;
  }
}
