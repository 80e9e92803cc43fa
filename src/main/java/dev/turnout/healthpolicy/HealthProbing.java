package dev.turnout.healthpolicy;

import dev.turnout.apprelease.AppRelease;
import dev.turnout.common.Labels;
import dev.turnout.healthpolicy.probe.CheckRunner;
import dev.turnout.healthpolicy.probe.ProbeScheduler;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
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
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The probe machinery of health policies: the {@link ProbeScheduler} on Quarkus' Vert.x, the reconcile triggers, and
 * informer caches of the objects a probe target is built from (Services and EndpointSlices labelled
 * managed-by=turnout, HealthPolicies, and pods that carry a color label). Informers start on first use, so an
 * operator that never sees a healthPolicyRef never lists them; they are cluster-wide, or per namespace when the
 * operator watches a list of namespaces (a namespaced Role cannot list cluster-wide). Reads never block (they read
 * the informer stores), so probe target suppliers may call them on the event loop.
 */
@ApplicationScoped
public class HealthProbing {
  @Inject KubernetesClient client;

  final ReconcileTrigger<AppRelease> releaseTrigger = new ReconcileTrigger<>("health-gate-changes");
  final ReconcileTrigger<HealthPolicy> policyTrigger = new ReconcileTrigger<>("health-results");

  /** Informers of one scope: the whole cluster, or one namespace when the operator watches a list of namespaces. */
  private static final class Scope {
    volatile SharedIndexInformer<Service> services;
    volatile SharedIndexInformer<EndpointSlice> slices;
    volatile SharedIndexInformer<HealthPolicy> policies;
    volatile SharedIndexInformer<Pod> pods;
  }

  private static final String ALL = "*";
  private final ConcurrentHashMap<String, Scope> scopes = new ConcurrentHashMap<>();
  /** Same setting as the controllers': JOSDK_ALL_NAMESPACES (cluster-wide informers) or a list of namespaces. */
  @ConfigProperty(name = "quarkus.operator-sdk.namespaces", defaultValue = "JOSDK_ALL_NAMESPACES")
  String watchedNamespaces;
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

  private boolean clusterWide() {
    return watchedNamespaces == null || watchedNamespaces.isBlank() || watchedNamespaces.contains("JOSDK_ALL_NAMESPACES");
  }

  /** The started scope of {@code namespace}, or null (never blocks: for the event loop). */
  private Scope scope(String namespace) {
    return scopes.get(clusterWide() ? ALL : namespace);
  }

  /**
   * Starts the informers of {@code namespace}'s scope (blocking until their first list); called from reconcile
   * threads, never the event loop.
   */
  private Scope start(String namespace) {
    String key = clusterWide() ? ALL : namespace;
    Scope existing = scopes.get(key);
    if (existing != null) {
      return existing;
    }
    synchronized (this) {
      existing = scopes.get(key);
      if (existing != null) {
        return existing;
      }
      Scope sc = new Scope();
      if (ALL.equals(key)) {
        sc.policies = client.resources(HealthPolicy.class).inAnyNamespace().inform();
        sc.slices = client.discovery().v1().endpointSlices().inAnyNamespace().withLabel(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE).inform();
        sc.services = client.services().inAnyNamespace().withLabel(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE).inform();
      } else {
        sc.policies = client.resources(HealthPolicy.class).inNamespace(key).inform();
        sc.slices = client.discovery().v1().endpointSlices().inNamespace(key).withLabel(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE).inform();
        sc.services = client.services().inNamespace(key).withLabel(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE).inform();
      }
      scopes.put(key, sc);
      return sc;
    }
  }

  /**
   * Starts the pod informer of {@code namespace}'s scope (used only for readiness gates), telling {@code handler} about
   * every pod with a color label (the handler of the first call per scope is the one kept: there is one caller);
   * reconcile or worker threads only.
   */
  void startPods(String namespace, ResourceEventHandler<Pod> handler) {
    Scope sc = start(namespace);
    if (sc.pods != null) {
      return;
    }
    synchronized (this) {
      if (sc.pods == null) {
        sc.pods = clusterWide()
            ? client.pods().inAnyNamespace().withLabel(Labels.COLOR).inform(handler)
            : client.pods().inNamespace(namespace).withLabel(Labels.COLOR).inform(handler);
      }
    }
  }

  /** From the cache; the first call for a namespace starts its informers (blocking; reconcile threads only). */
  HealthPolicy policy(String namespace, String name) {
    return start(namespace).policies.getStore().getByKey(Cache.namespaceKeyFunc(namespace, name));
  }

  Service service(String namespace, String name) {
    Scope sc = scope(namespace);
    var s = sc == null ? null : sc.services;
    return s == null ? null : s.getStore().getByKey(Cache.namespaceKeyFunc(namespace, name));
  }

  List<EndpointSlice> slices(String namespace, String service) {
    Scope sc = scope(namespace);
    var s = sc == null ? null : sc.slices;
    if (s == null) {
      return List.of();
    }
    return s.getIndexer().byIndex(Cache.NAMESPACE_INDEX, namespace).stream()
        .filter(e -> e.getMetadata().getLabels() != null
            && Objects.equals(service, e.getMetadata().getLabels().get("kubernetes.io/service-name")))
        .toList();
  }

  Pod pod(String namespace, String name) {
    Scope sc = scope(namespace);
    var p = sc == null ? null : sc.pods;
    return p == null ? null : p.getStore().getByKey(Cache.namespaceKeyFunc(namespace, name));
  }

  /**
   * Pods of {@code release} in {@code namespace}: labelled {@code app.kubernetes.io/instance=<release>} and with a color
   * label, both colors, from the cache (empty before {@link #startPods}). By labels, as the Deployments select them, never
   * by name: real pod names are {@code <deployment>-<replicaset hash>-<random>}, truncated when long.
   */
  List<Pod> pods(String namespace, String release) {
    Scope sc = scope(namespace);
    var p = sc == null ? null : sc.pods;
    return p == null ? List.of() : p.getIndexer().byIndex(Cache.NAMESPACE_INDEX, namespace).stream()
        .filter(pod -> pod.getMetadata().getLabels() != null
            && release.equals(pod.getMetadata().getLabels().get(Labels.INSTANCE))
            && pod.getMetadata().getLabels().containsKey(Labels.COLOR))
        .toList();
  }

  @PreDestroy
  synchronized void stop() {
    for (Scope sc : scopes.values()) {
      for (SharedIndexInformer<?> i : new SharedIndexInformer<?>[] {sc.services, sc.slices, sc.policies, sc.pods}) {
        if (i != null) {
          i.close();
        }
      }
    }
    scopes.clear();
  }
}
