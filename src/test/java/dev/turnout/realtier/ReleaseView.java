package dev.turnout.realtier;

import dev.turnout.apprelease.AppRelease;
import dev.turnout.apprelease.AppReleaseStatus;
import dev.turnout.common.Labels;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;
import java.util.Map;

/**
 * What a user reads of one AppRelease on the real tier, as `kubectl get/describe` would show it: its status, the
 * active Service, the colors' Deployments and pods, the Events on it. Fields the typed status does not have (yet) are
 * read from the raw object, so scenarios can name a contract before the Java types carry it.
 */
final class ReleaseView {
  private final KubernetesClient client;
  private final String ns;
  private final String name;

  ReleaseView(KubernetesClient client, String ns, String name) {
    this.client = client;
    this.ns = ns;
    this.name = name;
  }

  String name() {
    return name;
  }

  AppRelease get() {
    return client.resources(AppRelease.class).inNamespace(ns).withName(name).get();
  }

  AppReleaseStatus status() {
    AppRelease ar = get();
    return ar == null ? null : ar.getStatus();
  }

  /** A status field as the API server holds it (null when absent). */
  Object rawStatus(String field) {
    GenericKubernetesResource r = client.genericKubernetesResources("turnout.dev/v1alpha1", "AppRelease")
        .inNamespace(ns).withName(name).get();
    Object status = r == null ? null : r.getAdditionalProperties().get("status");
    return status instanceof Map<?, ?> m ? m.get(field) : null;
  }

  Condition condition(String type) {
    AppReleaseStatus s = status();
    return s == null ? null : s.conditions.stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
  }

  Service activeService() {
    return client.services().inNamespace(ns).withName(name).get();
  }

  String activeColor() {
    Service s = activeService();
    return s == null ? null : s.getSpec().getSelector().get(Labels.COLOR);
  }

  Deployment deployment(String color) {
    return client.apps().deployments().inNamespace(ns).withName(name + "-" + color).get();
  }

  int readyReplicas(String color) {
    Deployment d = deployment(color);
    return d == null || d.getStatus() == null || d.getStatus().getReadyReplicas() == null
        ? 0 : d.getStatus().getReadyReplicas();
  }

  List<Pod> pods(String color) {
    return client.pods().inNamespace(ns).withLabels(Map.of(Labels.INSTANCE, name, Labels.COLOR, color)).list()
        .getItems().stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
  }

  /** Events on this AppRelease with this reason, oldest first. */
  List<Event> events(String reason) {
    return client.v1().events().inNamespace(ns).list().getItems().stream()
        .filter(e -> "AppRelease".equals(e.getInvolvedObject().getKind()) && name.equals(e.getInvolvedObject().getName()))
        .filter(e -> reason.equals(e.getReason()))
        .sorted(java.util.Comparator.comparing(e -> String.valueOf(e.getLastTimestamp())))
        .toList();
  }

  /** "revision:outcome" of status.history, newest first. */
  List<String> history() {
    return status().history.stream().map(h -> h.revision + ":" + h.outcome).toList();
  }
}
