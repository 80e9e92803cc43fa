package dev.turnout.metrics;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * The operator's Kubernetes client: the one Quarkus would build (same Config and serialization beans, so kubeconfig,
 * in-cluster service account and the test profiles' settings apply as before) plus {@link ApiRequestMetrics} on its
 * HTTP client. Quarkus's own producer is a {@code @DefaultBean}, so this one replaces it; fabric8 offers interceptors
 * only on the HTTP client builder, not through Config.
 */
@Singleton
public class KubernetesClientProducer {
  @Produces
  @Singleton
  KubernetesClient kubernetesClient(KubernetesSerialization serialization, Config config, MeterRegistry registry) {
    ApiRequestMetrics metrics = new ApiRequestMetrics(registry);
    return new KubernetesClientBuilder()
        .withKubernetesSerialization(serialization)
        .withConfig(config)
        .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor(ApiRequestMetrics.NAME, metrics))
        .build();
  }

  void close(@Disposes KubernetesClient client) {
    client.close();
  }
}
