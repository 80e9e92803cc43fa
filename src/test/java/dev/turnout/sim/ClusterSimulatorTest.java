package dev.turnout.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ClusterSimulatorTest {
  private static final String NS = "auto-author";
  private static final Duration WAIT = Duration.ofSeconds(10);

  private EmbeddedCluster cluster;
  private ClusterSimulator sim;
  private KubernetesClient client;

  @BeforeEach
  void start() {
    cluster = EmbeddedCluster.start();
    cluster.createNamespaces(NS);
    client = cluster.client();
    sim = ClusterSimulator.start(client);
  }

  @AfterEach
  void stop() {
    sim.close();
    cluster.close();
  }

  @Test
  void deploymentGetsReadyPodsAndStatus() {
    createDeployment("backend-blue", "blue", 3, "app:1");
    await().atMost(WAIT).untilAsserted(() -> {
      Deployment d = deployment("backend-blue");
      assertThat(d.getStatus()).isNotNull();
      assertThat(d.getStatus().getObservedGeneration()).isEqualTo(d.getMetadata().getGeneration());
      assertThat(d.getStatus().getReadyReplicas()).isEqualTo(3);
      assertThat(d.getStatus().getAvailableReplicas()).isEqualTo(3);
      assertThat(d.getStatus().getUpdatedReplicas()).isEqualTo(3);
      assertThat(condition(d, "Available")).isEqualTo("True");
      assertThat(condition(d, "Progressing")).isEqualTo("True");
    });
    List<Pod> pods = pods("blue");
    assertThat(pods).hasSize(3).allSatisfy(p -> {
      assertThat(p.getMetadata().getName()).matches("backend-blue-[a-z0-9]{10}-[a-z0-9]{5}");
      assertThat(p.getMetadata().getLabels()).containsKeys("pod-template-hash", "turnout.dev/color");
      assertThat(p.getMetadata().getOwnerReferences()).singleElement()
          .satisfies(r -> assertThat(r.getName()).isEqualTo("backend-blue"));
      assertThat(p.getStatus().getPodIP()).startsWith("127.0.").isNotEqualTo("127.0.0.1");
      assertThat(Kubelet.isReady(p)).isTrue();
    });
    assertThat(pods.stream().map(p -> p.getStatus().getPodIP()).distinct()).hasSize(3);
  }

  @Test
  void scalingToZeroRemovesPods() {
    createDeployment("backend-blue", "blue", 2, "app:1");
    await().atMost(WAIT).until(() -> pods("blue").size() == 2);
    client.apps().deployments().inNamespace(NS).withName("backend-blue").scale(0);
    await().atMost(WAIT).untilAsserted(() -> {
      assertThat(pods("blue")).isEmpty();
      Deployment d = deployment("backend-blue");
      assertThat(d.getStatus().getReplicas()).isNull();
      assertThat(d.getStatus().getObservedGeneration()).isEqualTo(d.getMetadata().getGeneration());
    });
  }

  @Test
  void templateChangeReplacesPods() {
    createDeployment("backend-blue", "blue", 2, "app:1");
    await().atMost(WAIT).until(() -> readyReplicas("backend-blue") == 2);
    client.apps().deployments().inNamespace(NS).withName("backend-blue").edit(d -> {
      d.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("app:2");
      return d;
    });
    await().atMost(WAIT).untilAsserted(() -> {
      List<Pod> pods = pods("blue");
      assertThat(pods).hasSize(2).allSatisfy(p ->
          assertThat(p.getSpec().getContainers().get(0).getImage()).isEqualTo("app:2"));
      Deployment d = deployment("backend-blue");
      assertThat(d.getStatus().getUpdatedReplicas()).isEqualTo(2);
      assertThat(d.getStatus().getReadyReplicas()).isEqualTo(2);
      assertThat(d.getStatus().getObservedGeneration()).isEqualTo(2L);
    });
  }

  @Test
  void endpointSliceFollowsSelectorSwitch() {
    createDeployment("backend-blue", "blue", 2, "app:1");
    createDeployment("backend-green", "green", 1, "app:2");
    client.resource(service("backend", "blue")).create();
    await().atMost(WAIT).untilAsserted(() -> assertThat(sliceIps("backend")).isEqualTo(podIps("blue")).hasSize(2));
    EndpointSlice slice = slice("backend");
    assertThat(slice.getMetadata().getLabels())
        .containsEntry("kubernetes.io/service-name", "backend")
        .containsEntry("endpointslice.kubernetes.io/managed-by", "endpointslice-controller.k8s.io")
        .containsEntry("app.kubernetes.io/managed-by", "turnout");
    assertThat(slice.getPorts()).singleElement().satisfies(p -> {
      assertThat(p.getName()).isEqualTo("http");
      assertThat(p.getPort()).isEqualTo(8000);
    });
    await().atMost(WAIT).until(() -> podIps("green").size() == 1);

    client.services().inNamespace(NS).withName("backend").edit(s -> {
      s.getSpec().getSelector().put("turnout.dev/color", "green");
      return s;
    });
    await().atMost(Duration.ofSeconds(1)).untilAsserted(() ->
        assertThat(sliceIps("backend")).isEqualTo(podIps("green")));
  }

  @Test
  void setReadyFalseDropsEndpointReadinessAndAvailability() {
    createDeployment("backend-green", "green", 2, "app:2");
    client.resource(service("backend-preview", "green")).create();
    await().atMost(WAIT).until(() -> readyReplicas("backend-green") == 2);

    sim.setReady(NS, Map.of("turnout.dev/color", "green", "app.kubernetes.io/instance", "backend"), false);
    await().atMost(WAIT).untilAsserted(() -> {
      Deployment d = deployment("backend-green");
      assertThat(d.getStatus().getAvailableReplicas()).isNull();
      assertThat(d.getStatus().getUnavailableReplicas()).isEqualTo(2);
      assertThat(condition(d, "Available")).isEqualTo("False");
      assertThat(slice("backend-preview").getEndpoints()).hasSize(2)
          .allSatisfy(e -> assertThat(e.getConditions().getReady()).isFalse());
      assertThat(sim.readyEndpoints(NS, "backend-preview")).isEmpty();
    });

    sim.setReady(NS, Map.of("turnout.dev/color", "green"), true);
    await().atMost(WAIT).until(() -> sim.readyEndpoints(NS, "backend-preview").size() == 2);
  }

  @Test
  void setPodReadyFalseTakesOnlyThatPodOutOfService() {
    createDeployment("backend-blue", "blue", 2, "app:1");
    client.resource(service("backend", "blue")).create();
    await().atMost(WAIT).until(() -> sim.readyEndpoints(NS, "backend").size() == 2);
    Pod one = pods("blue").get(0);

    sim.setPodReady(NS, one.getMetadata().getName(), false);
    await().atMost(WAIT).untilAsserted(() -> {
      assertThat(readyReplicas("backend-blue")).isEqualTo(1);
      assertThat(sim.readyEndpoints(NS, "backend")).singleElement()
          .satisfies(a -> assertThat(a.getHostString()).isNotEqualTo(one.getStatus().getPodIP()));
    });

    sim.setPodReady(NS, one.getMetadata().getName(), true);
    await().atMost(WAIT).until(() -> sim.readyEndpoints(NS, "backend").size() == 2);
  }

  @Test
  void jobsSucceedOrFailPerRule() {
    sim.jobs().whenName("^migrate-").after(Duration.ofMillis(50)).fail("BackoffLimitExceeded", "boom");
    sim.jobs().whenLabels(Map.of("kind", "runner")).run(job -> JobResult.failure("Custom", job.getMetadata().getName()));
    sim.jobs().whenName("^forever").hang();
    client.resource(job("smoke", Map.of())).create();
    client.resource(job("migrate-1", Map.of())).create();
    client.resource(job("local", Map.of("kind", "runner"))).create();
    client.resource(job("forever", Map.of())).create();

    await().atMost(WAIT).untilAsserted(() -> {
      Job smoke = job("smoke");
      assertThat(smoke.getStatus().getSucceeded()).isEqualTo(1);
      assertThat(smoke.getStatus().getCompletionTime()).isNotNull();
      assertThat(smoke.getStatus().getStartTime()).isNotNull();
      assertThat(smoke.getStatus().getConditions()).anySatisfy(c -> {
        assertThat(c.getType()).isEqualTo("Complete");
        assertThat(c.getStatus()).isEqualTo("True");
      });
      Job failed = job("migrate-1");
      assertThat(failed.getStatus().getFailed()).isPositive();
      assertThat(failed.getStatus().getCompletionTime()).isNull();
      assertThat(failed.getStatus().getConditions()).anySatisfy(c -> {
        assertThat(c.getType()).isEqualTo("Failed");
        assertThat(c.getReason()).isEqualTo("BackoffLimitExceeded");
        assertThat(c.getMessage()).isEqualTo("boom");
      });
      assertThat(job("local").getStatus().getConditions())
          .anySatisfy(c -> assertThat(c.getReason() + c.getMessage()).isEqualTo("Customlocal"));
      assertThat(job("forever").getStatus().getActive()).isEqualTo(1);
    });
    assertThat(job("forever").getStatus().getConditions()).isEmpty();
  }

  @Test
  void cronJobTriggerCreatesOwnedJob() {
    CronJob cronJob = client.resource(new CronJobBuilder()
        .withNewMetadata().withName("mongo-prod-backup").withNamespace(NS).endMetadata()
        .withNewSpec().withSchedule("0 3 * * *").withTimeZone("Etc/UTC").withConcurrencyPolicy("Forbid")
          .withNewJobTemplate().withNewMetadata().addToLabels("app", "backup").endMetadata()
            .withNewSpec().withNewTemplate().withNewSpec().addNewContainer().withName("agent").withImage("agent:1")
            .endContainer().withRestartPolicy("Never").endSpec().endTemplate().endSpec()
          .endJobTemplate()
        .endSpec().build()).create();
    Optional<Job> job = sim.cronJobs().trigger(NS, "mongo-prod-backup");
    assertThat(job).isPresent();
    assertThat(job.get().getMetadata().getName()).matches("mongo-prod-backup-\\d+");
    assertThat(job.get().getMetadata().getAnnotations()).containsKey("batch.kubernetes.io/cronjob-scheduled-timestamp");
    assertThat(job.get().getMetadata().getLabels()).containsEntry("app", "backup");
    assertThat(job.get().getMetadata().getOwnerReferences()).singleElement()
        .satisfies(r -> assertThat(r.getUid()).isEqualTo(cronJob.getMetadata().getUid()));
    await().atMost(WAIT).untilAsserted(() -> {
      CronJob current = client.batch().v1().cronjobs().inNamespace(NS).withName("mongo-prod-backup").get();
      assertThat(current.getStatus().getLastScheduleTime()).isNotNull();
      assertThat(current.getStatus().getLastSuccessfulTime()).isNotNull();
      assertThat(current.getStatus().getActive()).isEmpty();
    });

    client.batch().v1().cronjobs().inNamespace(NS).withName("mongo-prod-backup")
        .edit(c -> {
          c.getSpec().setSuspend(true);
          return c;
        });
    assertThat(sim.cronJobs().trigger(NS, "mongo-prod-backup")).isEmpty();
  }

  @Test
  void garbageCollectorDeletesOwnedObjectsOnly() {
    Deployment d = createDeployment("backend-blue", "blue", 2, "app:1");
    ConfigMap owned = client.resource(new ConfigMapBuilder().withNewMetadata().withName("owned").withNamespace(NS)
        .addToOwnerReferences(Selectors.controllerRef(d)).endMetadata().build()).create();
    client.resource(new ConfigMapBuilder().withNewMetadata().withName("unowned").withNamespace(NS).endMetadata()
        .build()).create();
    await().atMost(WAIT).until(() -> pods("blue").size() == 2);

    client.resource(d).delete();
    await().atMost(WAIT).untilAsserted(() -> {
      assertThat(pods("blue")).isEmpty();
      assertThat(client.configMaps().inNamespace(NS).withName(owned.getMetadata().getName()).get()).isNull();
    });
    assertThat(client.configMaps().inNamespace(NS).withName("unowned").get()).isNotNull();
  }

  @Test
  void appEndpointAnswersOnPodIp() throws Exception {
    FastApiBackend backend = new FastApiBackend("https://dev.autoauthor.app");
    sim.serve(NS, Map.of("turnout.dev/color", "blue"), backend);
    createDeployment("backend-blue", "blue", 1, "app:1");
    client.resource(service("backend", "blue")).create();
    await().atMost(WAIT).until(() -> sim.readyEndpoints(NS, "backend").size() == 1);

    URI url = sim.url(NS, "backend", FastApiBackend.HEALTH_PATH);
    HttpClient http = HttpClient.newHttpClient();
    HttpRequest request = HttpRequest.newBuilder(url).header("Origin", "https://dev.autoauthor.app")
        .timeout(Duration.ofSeconds(2)).build();
    HttpResponse<String> ok = http.send(request, HttpResponse.BodyHandlers.ofString());
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.body()).contains("\"database\":\"healthy\"");
    assertThat(ok.headers().firstValue("Access-Control-Allow-Origin")).contains("https://dev.autoauthor.app");

    backend.mode(FastApiBackend.Mode.DATABASE_DOWN);
    HttpResponse<String> down = http.send(request, HttpResponse.BodyHandlers.ofString());
    assertThat(down.statusCode()).isEqualTo(503);
    assertThat(down.body()).contains("\"database\":\"unreachable\"");

    backend.mode(FastApiBackend.Mode.NO_CORS);
    assertThat(http.send(request, HttpResponse.BodyHandlers.ofString()).headers()
        .firstValue("Access-Control-Allow-Origin")).isEmpty();
  }

  // --- helpers -------------------------------------------------------------------------------

  private Deployment createDeployment(String name, String color, int replicas, String image) {
    Map<String, String> labels = new HashMap<>(Map.of("app.kubernetes.io/instance", "backend",
        "turnout.dev/color", color, "app.kubernetes.io/managed-by", "turnout"));
    return client.resource(new DeploymentBuilder()
        .withNewMetadata().withName(name).withNamespace(NS).withLabels(labels).endMetadata()
        .withNewSpec().withReplicas(replicas)
          .withNewSelector().withMatchLabels(Map.of("app.kubernetes.io/instance", "backend", "turnout.dev/color", color))
          .endSelector()
          .withNewTemplate().withNewMetadata().withLabels(labels).addToAnnotations("a", "b").endMetadata()
            .withNewSpec().addNewContainer().withName("api").withImage(image)
              .addNewPort().withName("http").withContainerPort(8000).endPort()
            .endContainer().endSpec()
          .endTemplate()
        .endSpec().build()).create();
  }

  private static Service service(String name, String color) {
    return new ServiceBuilder()
        .withNewMetadata().withName(name).withNamespace(NS).addToLabels("app.kubernetes.io/managed-by", "turnout")
        .endMetadata()
        .withNewSpec()
          .withSelector(new HashMap<>(Map.of("app.kubernetes.io/instance", "backend", "turnout.dev/color", color)))
          .addNewPort().withName("http").withPort(80).withTargetPort(new IntOrString("http")).endPort()
        .endSpec().build();
  }

  private static Job job(String name, Map<String, String> labels) {
    return new JobBuilder().withNewMetadata().withName(name).withNamespace(NS).withLabels(labels).endMetadata()
        .withNewSpec().withNewTemplate().withNewSpec().addNewContainer().withName("c").withImage("i").endContainer()
        .withRestartPolicy("Never").endSpec().endTemplate().endSpec().build();
  }

  private Job job(String name) {
    return client.batch().v1().jobs().inNamespace(NS).withName(name).get();
  }

  private Deployment deployment(String name) {
    return client.apps().deployments().inNamespace(NS).withName(name).get();
  }

  private int readyReplicas(String name) {
    Deployment d = deployment(name);
    return d.getStatus() == null || d.getStatus().getReadyReplicas() == null ? 0 : d.getStatus().getReadyReplicas();
  }

  private static String condition(Deployment d, String type) {
    return d.getStatus().getConditions().stream().filter(c -> type.equals(c.getType()))
        .map(c -> c.getStatus()).findFirst().orElse(null);
  }

  private List<Pod> pods(String color) {
    return client.pods().inNamespace(NS).withLabel("turnout.dev/color", color).list().getItems();
  }

  private List<String> podIps(String color) {
    return pods(color).stream().filter(p -> p.getStatus() != null && p.getStatus().getPodIP() != null)
        .map(p -> p.getStatus().getPodIP()).sorted().toList();
  }

  private EndpointSlice slice(String service) {
    return client.discovery().v1().endpointSlices().inNamespace(NS).withName(service + "-sim").get();
  }

  private List<String> sliceIps(String service) {
    EndpointSlice slice = slice(service);
    return slice == null ? List.of() : slice.getEndpoints().stream().map(e -> e.getAddresses().get(0)).sorted().toList();
  }
}
