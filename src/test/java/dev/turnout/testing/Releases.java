package dev.turnout.testing;

import dev.turnout.apprelease.AppRelease;
import dev.turnout.apprelease.AppReleaseSpec;
import dev.turnout.apprelease.ServiceSpec;
import dev.turnout.apprelease.StrategySpec;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/** Builders for the sample backend's AppRelease, and per-test namespaces. */
public final class Releases {
  private static final AtomicInteger NAMESPACES = new AtomicInteger();

  private Releases() {}

  public static String newNamespace(KubernetesClient client, String prefix) {
    String ns = prefix + "-" + NAMESPACES.incrementAndGet();
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
    return ns;
  }

  public static AppRelease backend(String ns, String version, int replicas) {
    AppRelease ar = new AppRelease();
    ar.getMetadata().setName("backend");
    ar.getMetadata().setNamespace(ns);
    AppReleaseSpec spec = new AppReleaseSpec();
    spec.version = version;
    spec.replicas = replicas;
    spec.template = new PodTemplateSpecBuilder()
        .withNewMetadata().withLabels(Map.of("app", "backend")).endMetadata()
        .withNewSpec().addNewContainer().withName("api").withImage("registry.example/backend:" + version)
        .addNewPort().withName("http").withContainerPort(8000).endPort().endContainer().endSpec().build();
    spec.service = new ServiceSpec();
    spec.service.ports = List.of(new ServicePortBuilder().withName("http").withPort(80).withTargetPort(new IntOrString("http")).build());
    spec.strategy = new StrategySpec();
    spec.strategy.scaleDownDelaySeconds = 3600;
    spec.strategy.progressDeadlineSeconds = 300;
    ar.setSpec(spec);
    return ar;
  }

  /**
   * A user's change to an AppRelease: read, modify, write; retried on conflict as kubectl edit would be. Returns the
   * object as written (its resourceVersion is what {@link Reconciles#awaitReconciled} waits for).
   */
  public static AppRelease update(KubernetesClient client, String ns, String name, java.util.function.Consumer<AppRelease> change) {
    java.util.concurrent.atomic.AtomicReference<AppRelease> written = new java.util.concurrent.atomic.AtomicReference<>();
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
        .ignoreExceptionsInstanceOf(io.fabric8.kubernetes.client.KubernetesClientException.class).until(() -> {
          AppRelease ar = client.resources(AppRelease.class).inNamespace(ns).withName(name).get();
          change.accept(ar);
          written.set(client.resource(ar).update());
          return true;
        });
    return written.get();
  }

  /**
   * Any change of metadata makes the operator reconcile (it is not generation-aware). Returns the nudged object: wait
   * with {@link Reconciles#awaitReconciled} until the operator has reconciled it before asserting that something stayed.
   */
  public static AppRelease nudge(KubernetesClient client, String ns, String name) {
    return update(client, ns, name, ar -> ar.getMetadata().getAnnotations().put("test/nudge", java.util.UUID.randomUUID().toString()));
  }

  public static Map<String, String> color(String release, String color) {
    return Map.of("app.kubernetes.io/instance", release, "turnout.dev/color", color);
  }
}
