package dev.turnout.healthpolicy;

import dev.turnout.apprelease.AppRelease;
import dev.turnout.common.Labels;
import dev.turnout.healthpolicy.probe.CheckRunner;
import dev.turnout.healthpolicy.probe.ProbeScheduler;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.vertx.core.Vertx;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The probe machinery of health policies: the {@link ProbeScheduler} on Quarkus' Vert.x, the reconcile triggers, and
 * informer caches of the objects a probe target is built from (Services and EndpointSlices labelled
 * managed-by=turnout, HealthPolicies, and pods that carry a color label). Informers start on first use, so an
 * operator that never sees a healthPolicyRef never lists them; reads never block (they read the informer stores).
 */
@ApplicationScoped
public class HealthProbing {
  @Inject KubernetesClient client;

  final ReconcileTrigger<AppRelease> releaseTrigger = new ReconcileTrigger<>("health-gate-changes");
  final ReconcileTrigger<HealthPolicy> policyTrigger = new ReconcileTrigger<>("health-results");

  private volatile SharedIndexInformer<Service> services;
  private volatile SharedIndexInformer<EndpointSlice> slices;
  private volatile SharedIndexInformer<HealthPolicy> policies;
  private volatile SharedIndexInformer<Pod> pods;
  private volatile CheckRunner runner;

  @Produces
  @ApplicationScoped
  ProbeScheduler probeScheduler(Vertx vertx, Clock clock) {
    runner = new CheckRunner(vertx, clock);
    return new ProbeScheduler(runner, clock);
  }

  /** On shutdown: cancels every probe timer and closes the HTTP and TCP clients (Quarkus closes Vert.x itself). */
  void closeScheduler(@Disposes ProbeScheduler scheduler) {
    scheduler.close();
    if (runner != null) {
      runner.close();
    }
  }

  /** Starts the informers (blocking until their first list); called from reconcile threads, never the event loop. */
  synchronized void start() {
    if (services != null) {
      return;
    }
    policies = client.resources(HealthPolicy.class).inAnyNamespace().inform();
    slices = client.discovery().v1().endpointSlices().inAnyNamespace().withLabel(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE).inform();
    services = client.services().inAnyNamespace().withLabel(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE).inform();
  }

  /** The pod informer, used only for readiness gates. */
  synchronized SharedIndexInformer<Pod> pods() {
    if (pods == null) {
      pods = client.pods().inAnyNamespace().withLabel(Labels.COLOR).inform();
    }
    return pods;
  }

  HealthPolicy policy(String namespace, String name) {
    start();
    return policies.getStore().getByKey(Cache.namespaceKeyFunc(namespace, name));
  }

  Service service(String namespace, String name) {
    var s = services;
    return s == null ? null : s.getStore().getByKey(Cache.namespaceKeyFunc(namespace, name));
  }

  List<EndpointSlice> slices(String namespace, String service) {
    var s = slices;
    if (s == null) {
      return List.of();
    }
    return s.getIndexer().byIndex(Cache.NAMESPACE_INDEX, namespace).stream()
        .filter(e -> e.getMetadata().getLabels() != null
            && Objects.equals(service, e.getMetadata().getLabels().get("kubernetes.io/service-name")))
        .toList();
  }

  Pod pod(String namespace, String name) {
    var p = pods;
    return p == null ? null : p.getStore().getByKey(Cache.namespaceKeyFunc(namespace, name));
  }

  List<Pod> pods(String namespace, Map<String, String> selector) {
    return pods().getIndexer().byIndex(Cache.NAMESPACE_INDEX, namespace).stream()
        .filter(p -> p.getMetadata().getLabels() != null && p.getMetadata().getLabels().entrySet().containsAll(selector.entrySet()))
        .toList();
  }

  @PreDestroy
  synchronized void stop() {
    for (SharedIndexInformer<?> i : new SharedIndexInformer<?>[] {services, slices, policies, pods}) {
      if (i != null) {
        i.close();
      }
    }
  }
}
