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
}
