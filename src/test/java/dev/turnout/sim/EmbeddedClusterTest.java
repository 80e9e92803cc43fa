package dev.turnout.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedClusterTest {

  @TempDir Path tmp;

  @Test
  void statusIsASubresourceForBuiltInKindsAndGenerationFollowsSpec() {
    try (EmbeddedCluster cluster = EmbeddedCluster.start()) {
      KubernetesClient client = cluster.client();
      cluster.createNamespaces("ns");
      Pod pod = client.pods().inNamespace("ns").resource(new PodBuilder().withNewMetadata().withName("p")
          .endMetadata().withNewSpec().addNewContainer().withName("c").withImage("i").endContainer().endSpec()
          .withNewStatus().withPhase("Running").endStatus().build()).create();
      assertThat(pod.getStatus()).isNull();
      pod.setStatus(new io.fabric8.kubernetes.api.model.PodStatusBuilder().withPhase("Running").build());
      client.resource(pod).updateStatus();
      Pod current = client.pods().inNamespace("ns").withName("p").get();
      assertThat(current.getStatus().getPhase()).isEqualTo("Running");
      current.getMetadata().getLabels().put("a", "b");
      current.setStatus(null);
      client.resource(current).update();
      assertThat(client.pods().inNamespace("ns").withName("p").get().getStatus().getPhase()).isEqualTo("Running");

      Deployment d = client.apps().deployments().inNamespace("ns").resource(new DeploymentBuilder()
          .withNewMetadata().withName("d").endMetadata().withNewSpec().withReplicas(1).endSpec().build()).create();
      assertThat(d.getMetadata().getGeneration()).isEqualTo(1L);
      d = client.apps().deployments().inNamespace("ns").withName("d").edit(x -> {
        x.getSpec().setReplicas(2);
        return x;
      });
      assertThat(d.getMetadata().getGeneration()).isEqualTo(2L);
      d = client.apps().deployments().inNamespace("ns").withName("d").edit(x -> {
        x.getMetadata().setLabels(Map.of("x", "y"));
        return x;
      });
      assertThat(d.getMetadata().getGeneration()).isEqualTo(2L);
    }
  }

  @Test
  void appliesCrdsAndAnotherClientConnectsThroughTheKubeconfig() throws Exception {
    try (EmbeddedCluster cluster = EmbeddedCluster.start()) {
      Path crds = Path.of("target/kubernetes");
      if (Files.isDirectory(crds)) {
        assertThat(cluster.applyCrds(crds)).isNotEmpty();
      }
      cluster.createNamespaces("ns");
      Path kubeconfig = cluster.writeKubeconfig(tmp.resolve("kubeconfig"), "ns");
      Config config = Config.fromKubeconfig(Files.readString(kubeconfig));
      try (KubernetesClient other = new KubernetesClientBuilder().withConfig(config).build()) {
        assertThat(other.namespaces().withName("ns").get()).isNotNull();
        assertThat(other.getMasterUrl().toString()).startsWith("https://127.0.0.1:");
      }
      assertThat(cluster.client().genericKubernetesResources("apiextensions.k8s.io/v1", "CustomResourceDefinition")
          .list().getItems()).extracting(GenericKubernetesResource::getKind).isNotNull();
    }
  }

  static int codeOf(Runnable write) {
    try {
      write.run();
      return 200;
    } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
      return e.getCode();
    }
  }

  /** Optimistic concurrency as the real API server does it: a write carrying a stale resourceVersion is a 409. */
  @Test
  void aWriteWithAStaleResourceVersionIsAConflict() {
    try (EmbeddedCluster cluster = EmbeddedCluster.start()) {
      KubernetesClient client = cluster.client();
      cluster.createNamespaces("ns");
      var cm = client.configMaps().inNamespace("ns").resource(new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
          .withNewMetadata().withName("c").endMetadata().addToData("k", "1").build()).create();
      var a = client.configMaps().inNamespace("ns").withName("c").get();
      var b = client.configMaps().inNamespace("ns").withName("c").get();
      a.getData().put("k", "2");
      client.resource(a).update();
      b.getData().put("k", "3");
      var conflict = org.assertj.core.api.Assertions.catchThrowableOfType(io.fabric8.kubernetes.client.KubernetesClientException.class,
          () -> client.resource(b).update());
      assertThat(conflict).as("PUT with a stale resourceVersion").isNotNull();
      assertThat(conflict.getCode()).isEqualTo(409);
      assertThat(conflict.getStatus().getReason()).isEqualTo("Conflict");
      assertThat(conflict.getStatus().getStatus()).isEqualTo("Failure");
      assertThat(client.configMaps().inNamespace("ns").withName("c").get().getData()).containsEntry("k", "2");

      // status subresource: the same rule
      Deployment d = client.apps().deployments().inNamespace("ns").resource(new DeploymentBuilder()
          .withNewMetadata().withName("d").endMetadata().withNewSpec().withReplicas(1).endSpec().build()).create();
      Deployment stale = client.apps().deployments().inNamespace("ns").withName("d").get();
      d.setStatus(new io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder().withReplicas(1).build());
      client.resource(d).updateStatus();
      stale.setStatus(new io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder().withReplicas(5).build());
      assertThat(codeOf(() -> client.resource(stale).updateStatus())).as("PUT status with a stale resourceVersion").isEqualTo(409);

      // a merge patch naming a stale resourceVersion is a precondition, like the PUT
      assertThat(codeOf(() -> client.configMaps().inNamespace("ns").withName("c").patch(
          io.fabric8.kubernetes.client.dsl.base.PatchContext.of(io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
          "{\"metadata\":{\"resourceVersion\":\"" + cm.getMetadata().getResourceVersion() + "\"},\"data\":{\"k\":\"4\"}}")))
          .as("merge patch with a stale resourceVersion").isEqualTo(409);
      // a JSON patch whose test op fails is refused (the real API server answers 422 for any failed op)
      assertThat(codeOf(() -> client.configMaps().inNamespace("ns").withName("c").patch(
          io.fabric8.kubernetes.client.dsl.base.PatchContext.of(io.fabric8.kubernetes.client.dsl.base.PatchType.JSON),
          "[{\"op\":\"test\",\"path\":\"/metadata/resourceVersion\",\"value\":\"" + cm.getMetadata().getResourceVersion()
              + "\"},{\"op\":\"replace\",\"path\":\"/data/k\",\"value\":\"5\"}]")))
          .as("JSON patch whose test op fails").isEqualTo(422);
      assertThat(client.configMaps().inNamespace("ns").withName("c").get().getData()).containsEntry("k", "2");
      // a write without resourceVersion is unconditional, as on a real server
      var fresh = client.configMaps().inNamespace("ns").withName("c").get();
      fresh.getMetadata().setResourceVersion(null);
      fresh.getData().put("k", "6");
      assertThat(codeOf(() -> client.resource(fresh).update())).isEqualTo(200);
    }
  }

  /** Names and labels the real API server refuses are refused here too, with 422 Invalid. */
  @Test
  void namesAndLabelsTheRealApiServerRefusesAreInvalid() {
    try (EmbeddedCluster cluster = EmbeddedCluster.start()) {
      KubernetesClient client = cluster.client();
      cluster.createNamespaces("ns");
      String long64 = "a".repeat(64);
      var svc = new io.fabric8.kubernetes.api.model.ServiceBuilder().withNewMetadata().withName(long64).endMetadata()
          .withNewSpec().addNewPort().withPort(80).endPort().endSpec().build();
      var e = org.assertj.core.api.Assertions.catchThrowableOfType(io.fabric8.kubernetes.client.KubernetesClientException.class,
          () -> client.services().inNamespace("ns").resource(svc).create());
      assertThat(e).isNotNull();
      assertThat(e.getCode()).isEqualTo(422);
      assertThat(e.getStatus().getReason()).isEqualTo("Invalid");
      assertThat(e.getStatus().getMessage()).contains("metadata.name").contains("must be no more than 63 characters");
      assertThat(codeOf(() -> client.configMaps().inNamespace("ns").resource(new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
          .withNewMetadata().withName("Upper_Case").endMetadata().build()).create())).isEqualTo(422);
      assertThat(codeOf(() -> client.configMaps().inNamespace("ns").resource(new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
          .withNewMetadata().withName("ok").addToLabels("app", long64).endMetadata().build()).create())).as("label value").isEqualTo(422);
      var cron = new io.fabric8.kubernetes.api.model.batch.v1.CronJobBuilder().withNewMetadata().withName("c".repeat(53)).endMetadata()
          .withNewSpec().withSchedule("0 3 * * *").withNewJobTemplate().withNewSpec().withNewTemplate().withNewSpec()
          .addNewContainer().withName("x").withImage("busybox").endContainer().withRestartPolicy("Never").endSpec().endTemplate()
          .endSpec().endJobTemplate().endSpec().build();
      assertThat(codeOf(() -> client.batch().v1().cronjobs().inNamespace("ns").resource(cron).create())).as("CronJob of 53").isEqualTo(422);
      cron.getMetadata().setName("c".repeat(52));
      assertThat(codeOf(() -> client.batch().v1().cronjobs().inNamespace("ns").resource(cron).create())).as("CronJob of 52").isEqualTo(200);
      assertThat(codeOf(() -> client.configMaps().inNamespace("ns").resource(new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
          .withNewMetadata().withName("a.b-c").addToLabels("turnout.dev/color", "blue").endMetadata().build()).create())).isEqualTo(200);
    }
  }
}
