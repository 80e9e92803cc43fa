package dev.turnout.realtier;

import dev.turnout.common.Labels;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every change of the active Service's selector, seen from the test through a watch of its own (the admin's, not
 * through the fault proxy): each time traffic moves to a color, that color's Deployment must be ready (all replicas
 * ready and updated, its controller caught up) with the revision the Service says it serves, and that revision must
 * not be one the test marked bad (a revision whose gates fail). Violations are collected, not thrown: the informer's
 * thread must not die; the scenario asserts {@link #violations()} is empty.
 */
final class TrafficWatch implements AutoCloseable {
  record Switch(String service, String from, String to, String revision) {}

  private final KubernetesClient client;
  private final Set<String> tracked = ConcurrentHashMap.newKeySet();
  private final Map<String, Set<String>> bad = new ConcurrentHashMap<>();
  private final Map<String, String> colors = new ConcurrentHashMap<>();
  private final List<Switch> switches = java.util.Collections.synchronizedList(new ArrayList<>());
  private final List<String> violations = java.util.Collections.synchronizedList(new ArrayList<>());
  private final SharedIndexInformer<Service> informer;

  TrafficWatch(KubernetesClient client) {
    this.client = client;
    this.informer = client.services().inAnyNamespace().inform(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Service s) {
        seen(s);
      }

      @Override
      public void onUpdate(Service before, Service s) {
        seen(s);
      }

      @Override
      public void onDelete(Service s, boolean unknown) {}
    });
  }

  /** Watches the active Service of release {@code name} in {@code ns}. */
  void track(String ns, String name) {
    tracked.add(ns + "/" + name);
  }

  /** A revision of that release whose gates fail: traffic must never go to it. */
  void bad(String ns, String name, String revision) {
    bad.computeIfAbsent(ns + "/" + name, k -> ConcurrentHashMap.newKeySet()).add(revision);
  }

  List<String> violations() {
    return List.copyOf(violations);
  }

  /** The selector changes of one Service, in order (the first entry is its creation). */
  List<Switch> switches(String ns, String name) {
    synchronized (switches) {
      return switches.stream().filter(s -> s.service().equals(ns + "/" + name)).toList();
    }
  }

  private void seen(Service s) {
    String key = s.getMetadata().getNamespace() + "/" + s.getMetadata().getName();
    if (!tracked.contains(key) || s.getSpec().getSelector() == null) {
      return;
    }
    String color = s.getSpec().getSelector().get(Labels.COLOR);
    String before = colors.put(key, String.valueOf(color));
    if (String.valueOf(color).equals(before)) {
      return;
    }
    Map<String, String> annotations = s.getMetadata().getAnnotations() == null ? Map.of() : s.getMetadata().getAnnotations();
    String revision = annotations.get("turnout.dev/serving-revision");
    switches.add(new Switch(key, before, color, revision));
    if (revision != null && bad.getOrDefault(key, Set.of()).contains(revision)) {
      violations.add(key + ": traffic moved to revision " + revision + ", whose gates failed");
    }
    Deployment d = client.apps().deployments().inNamespace(s.getMetadata().getNamespace())
        .withName(s.getMetadata().getName() + "-" + color).get();
    if (d == null) {
      violations.add(key + ": traffic moved to " + color + ", which has no Deployment");
      return;
    }
    int replicas = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
    var st = d.getStatus();
    boolean ready = replicas > 0 && st != null && st.getReadyReplicas() != null && st.getReadyReplicas() >= replicas
        && st.getUpdatedReplicas() != null && st.getUpdatedReplicas() >= replicas
        && st.getObservedGeneration() != null && st.getObservedGeneration() >= d.getMetadata().getGeneration();
    if (!ready) {
      violations.add(key + ": traffic moved to " + color + " while its Deployment was not ready: " + st);
    }
    String deployed = d.getSpec().getTemplate().getMetadata().getLabels().get(Labels.REVISION);
    if (revision != null && !revision.equals(deployed)) {
      violations.add(key + ": the Service serves revision " + revision + " on " + color + ", whose pods run " + deployed);
    }
  }

  @Override
  public void close() {
    informer.close();
  }
}
