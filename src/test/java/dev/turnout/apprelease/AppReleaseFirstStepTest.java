package dev.turnout.apprelease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.turnout.common.Labels;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithKubernetesTestServer(crud = true)
class AppReleaseFirstStepTest {
  @Inject KubernetesClient client;

  @Test
  void createsBlueDeploymentAndPreviewServiceAndReportsStatus() {
    String ns = "first-step";
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
    AppRelease ar = new AppRelease();
    ar.getMetadata().setName("backend");
    ar.getMetadata().setNamespace(ns);
    AppReleaseSpec spec = new AppReleaseSpec();
    spec.version = "1.0.0";
    spec.replicas = 2;
    spec.template = new PodTemplateSpecBuilder().withNewSpec().addNewContainer().withName("api").withImage("backend:1.0.0")
        .addNewPort().withName("http").withContainerPort(8000).endPort().endContainer().endSpec().build();
    spec.service = new ServiceSpec();
    spec.service.ports = List.of(new ServicePortBuilder().withName("http").withPort(80).withTargetPort(new IntOrString("http")).build());
    ar.setSpec(spec);
    client.resource(ar).create();

    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      Deployment blue = client.apps().deployments().inNamespace(ns).withName("backend-blue").get();
      assertThat(blue).isNotNull();
      assertThat(blue.getSpec().getReplicas()).isEqualTo(2);
      assertThat(blue.getMetadata().getLabels()).containsEntry(Labels.MANAGED_BY, "turnout");
      assertThat(blue.getMetadata().getOwnerReferences()).singleElement().satisfies(o -> assertThat(o.getName()).isEqualTo("backend"));
      assertThat(blue.getSpec().getTemplate().getMetadata().getLabels()).containsEntry(Labels.COLOR, "blue").containsEntry(Labels.REVISION, "1");
      Service preview = client.services().inNamespace(ns).withName("backend-preview").get();
      assertThat(preview.getSpec().getSelector()).containsEntry(Labels.COLOR, "blue");
      AppRelease got = client.resources(AppRelease.class).inNamespace(ns).withName("backend").get();
      assertThat(got.getStatus()).isNotNull();
      assertThat(got.getStatus().observedGeneration).isEqualTo(got.getMetadata().getGeneration());
      assertThat(got.getStatus().phase).isEqualTo("Progressing");
      assertThat(got.getStatus().currentRevision).isEqualTo(1L);
      assertThat(got.getStatus().history).singleElement().satisfies(h -> assertThat(h.outcome).isEqualTo("Pending"));
    });
    // no Deployment status from a controller: the active Service is not created before blue is available
    assertThat(client.services().inNamespace(ns).withName("backend").get()).isNull();
  }
}
