package dev.turnout.bench;

import dev.turnout.apprelease.ReleaseDecisions;
import dev.turnout.common.Labels;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * What a client of the cluster sees, with the time it sees it: watches (informers of a client of its own, not the
 * operator's) on Pods, EndpointSlices, Deployments and Services of the namespaces whose name starts with a prefix. Each
 * observation is stamped on arrival with {@link System#nanoTime()} (to compare two observations) and the wall clock
 * (to compare with a time written into an object, such as a pod condition's lastTransitionTime).
 */
final class ClusterObserver implements AutoCloseable {
  /** When something was seen: monotonic nanos for differences between observations, wall clock for the rest. */
  record Stamp(long nanos, Instant wall) {
    static Stamp now() {
      return new Stamp(System.nanoTime(), Instant.now());
    }

    /** Milliseconds from {@code earlier} (a time written by the cluster or the operator) to this observation. */
    double millisSince(Instant earlier) {
      return java.time.Duration.between(earlier, wall).toNanos() / 1e6;
    }

    double millisSince(Stamp earlier) {
      return (nanos - earlier.nanos) / 1e6;
    }
  }

  /** A pod's first Ready=True as seen by the watch, and the condition's own lastTransitionTime. */
  record Ready(String namespace, String pod, Map<String, String> labels, Instant transition, Stamp seen) {}

  /** The active or preview Service's selector now selects {@code color}. */
  record SelectorChange(String namespace, String service, String color, Stamp seen) {}

  private final KubernetesClient client;
  private final String prefix;
  private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
  private final Map<String, Ready> ready = new ConcurrentHashMap<>();
  /** namespace/service/pod: when an EndpointSlice of the Service first listed the pod as ready. */
  private final Map<String, Stamp> endpointReady = new ConcurrentHashMap<>();
  /** namespace/deployment: when its status first said every replica is updated, ready and available. */
  private final Map<String, Stamp> rolledOut = new ConcurrentHashMap<>();
  private final Map<String, String> selectedColor = new ConcurrentHashMap<>();
  private final List<SelectorChange> changes = new CopyOnWriteArrayList<>();
  private final List<Consumer<SelectorChange>> listeners = new CopyOnWriteArrayList<>();

  /** Watches the cluster at {@code url} (the embedded API server), namespaces starting with {@code prefix}. */
  ClusterObserver(String url, String prefix) {
    this(new ConfigBuilder().withMasterUrl(url).withTrustCerts(true).withOauthToken("bench").build(), prefix);
  }

  /** Watches the cluster a client configuration points at (e.g. the real tier's admin), namespaces starting with {@code prefix}. */
  ClusterObserver(Config config, String prefix) {
    this.client = new KubernetesClientBuilder().withConfig(config).build();
    this.prefix = prefix;
    informers.add(client.pods().inAnyNamespace().inform(handler(this::pod)));
    informers.add(client.discovery().v1().endpointSlices().inAnyNamespace().inform(handler(this::slice)));
    informers.add(client.services().inAnyNamespace().inform(handler(this::service)));
    informers.add(client.apps().deployments().inAnyNamespace().inform(handler(this::deployment)));
  }

  /** Told of every selector change, on the watch's thread, right after it is stamped. */
  void onSelectorChange(Consumer<SelectorChange> listener) {
    listeners.add(listener);
  }

  private <T extends HasMetadata> ResourceEventHandler<T> handler(Consumer<T> seen) {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(T obj) {
        if (obj.getMetadata().getNamespace().startsWith(prefix)) {
          seen.accept(obj);
        }
      }

      @Override
      public void onUpdate(T oldObj, T newObj) {
        onAdd(newObj);
      }

      @Override
      public void onDelete(T obj, boolean deletedFinalStateUnknown) {}
    };
  }

  private void pod(Pod pod) {
    Stamp now = Stamp.now();
    Optional<PodCondition> condition = pod.getStatus() == null ? Optional.empty() : pod.getStatus().getConditions().stream()
        .filter(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus())).findFirst();
    condition.ifPresent(c -> ready.computeIfAbsent(key(pod.getMetadata().getNamespace(), pod.getMetadata().getName()),
        k -> new Ready(pod.getMetadata().getNamespace(), pod.getMetadata().getName(), Map.copyOf(pod.getMetadata().getLabels()),
            Instant.parse(c.getLastTransitionTime()), now)));
  }

  private void slice(EndpointSlice slice) {
    Stamp now = Stamp.now();
    String service = slice.getMetadata().getLabels() == null ? null : slice.getMetadata().getLabels().get("kubernetes.io/service-name");
    if (service == null || slice.getEndpoints() == null) {
      return;
    }
    for (Endpoint e : slice.getEndpoints()) {
      if (e.getTargetRef() != null && e.getConditions() != null && Boolean.TRUE.equals(e.getConditions().getReady())) {
        endpointReady.putIfAbsent(key(slice.getMetadata().getNamespace(), service, e.getTargetRef().getName()), now);
      }
    }
  }

  private void deployment(Deployment d) {
    Stamp now = Stamp.now();
    if (d.getSpec() != null && d.getSpec().getReplicas() != null && ReleaseDecisions.rolledOut(d, d.getSpec().getReplicas())) {
      rolledOut.putIfAbsent(key(d.getMetadata().getNamespace(), d.getMetadata().getName()), now);
    }
  }

  private void service(Service s) {
    Stamp now = Stamp.now();
    Map<String, String> selector = s.getSpec() == null ? null : s.getSpec().getSelector();
    String color = selector == null ? null : selector.get(Labels.COLOR);
    String key = key(s.getMetadata().getNamespace(), s.getMetadata().getName());
    if (color == null || color.equals(selectedColor.put(key, color))) {
      return;
    }
    SelectorChange change = new SelectorChange(s.getMetadata().getNamespace(), s.getMetadata().getName(), color, now);
    changes.add(change);
    listeners.forEach(l -> l.accept(change));
  }

  /** The color the Service's selector names, as last seen. */
  String selected(String namespace, String service) {
    return selectedColor.get(key(namespace, service));
  }

  /** The last time the Service's selector was seen changing to {@code color}, if it was. */
  Optional<SelectorChange> lastChange(String namespace, String service, String color) {
    SelectorChange last = null;
    for (SelectorChange c : changes) {
      if (c.namespace().equals(namespace) && c.service().equals(service) && c.color().equals(color)) {
        last = c;
      }
    }
    return Optional.ofNullable(last);
  }

  /** How many times the Service's selector was seen changing to {@code color}. */
  long changes(String namespace, String service, String color) {
    return changes.stream().filter(c -> c.namespace().equals(namespace) && c.service().equals(service) && c.color().equals(color)).count();
  }

  /** The pods of the namespace that became Ready, whose labels include {@code labels}. */
  List<Ready> ready(String namespace, Map<String, String> labels) {
    return ready.values().stream()
        .filter(r -> r.namespace().equals(namespace) && labels.entrySet().stream()
            .allMatch(l -> Objects.equals(r.labels().get(l.getKey()), l.getValue())))
        .toList();
  }

  /** When an EndpointSlice of the Service first listed the pod as ready. */
  Optional<Stamp> endpointReady(String namespace, String service, String pod) {
    return Optional.ofNullable(endpointReady.get(key(namespace, service, pod)));
  }

  /** When the Deployment's status was first seen saying it is rolled out (as the operator's rollout gate reads it). */
  Optional<Stamp> rolledOut(String namespace, String deployment) {
    return Optional.ofNullable(rolledOut.get(key(namespace, deployment)));
  }

  private static String key(String... parts) {
    return String.join("/", parts);
  }

  @Override
  public void close() {
    informers.forEach(SharedIndexInformer::close);
    client.close();
  }
}
