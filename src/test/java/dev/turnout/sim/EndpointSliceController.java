package dev.turnout.sim;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * Plays the EndpointSlice controller: one slice "<service>-sim" per Service with a selector,
 * listing the matching pods that have an IP, with ready / serving / terminating as the real
 * controller derives them. Named target ports are resolved on the pods' containers.
 */
final class EndpointSliceController {
  static final String SERVICE_NAME = "kubernetes.io/service-name";
  static final String MANAGED_BY = "endpointslice.kubernetes.io/managed-by";
  static final String MANAGED_BY_VALUE = "endpointslice-controller.k8s.io";

  private final KubernetesClient client;
  private final SimLoop loop;
  private final Function<String, List<Service>> servicesInNamespace;

  EndpointSliceController(KubernetesClient client, SimLoop loop,
      Function<String, List<Service>> servicesInNamespace) {
    this.client = client;
    this.loop = loop;
    this.servicesInNamespace = servicesInNamespace;
  }

  void enqueue(String namespace, String name) {
    loop.submit(namespace, "endpointslice/" + namespace + "/" + name, () -> reconcile(namespace, name));
  }

  /** Pods changed in a namespace: every Service there may have to look again. */
  void podsChanged(String namespace) {
    servicesInNamespace.apply(namespace).forEach(s -> enqueue(namespace, s.getMetadata().getName()));
  }

  static String sliceName(String service) {
    return service + "-sim";
  }

  private void reconcile(String namespace, String name) {
    Service service = client.services().inNamespace(namespace).withName(name).get();
    if (service == null || service.getSpec().getSelector() == null
        || service.getSpec().getSelector().isEmpty()) {
      return; // a selector-less Service has user-managed endpoints; the GC removes ours on delete
    }
    List<Pod> pods = client.pods().inNamespace(namespace).list().getItems().stream()
        .filter(p -> Selectors.matches(service.getSpec().getSelector(), p.getMetadata().getLabels()))
        .filter(p -> p.getStatus() != null && p.getStatus().getPodIP() != null)
        .sorted(Comparator.comparing(p -> p.getMetadata().getName()))
        .toList();

    Map<String, String> labels = new HashMap<>(Objects.requireNonNullElse(service.getMetadata().getLabels(), Map.of()));
    labels.put(SERVICE_NAME, name);
    labels.put(MANAGED_BY, MANAGED_BY_VALUE);
    EndpointSlice wanted = new EndpointSliceBuilder()
        .withNewMetadata()
          .withName(sliceName(name))
          .withNamespace(namespace)
          .withLabels(labels)
          .withOwnerReferences(Selectors.controllerRef(service))
        .endMetadata()
        .withAddressType("IPv4")
        .withEndpoints(pods.stream().map(EndpointSliceController::endpoint).toList())
        .withPorts(service.getSpec().getPorts().stream().map(p -> port(p, pods)).toList())
        .build();

    EndpointSlice existing = client.discovery().v1().endpointSlices().inNamespace(namespace)
        .withName(sliceName(name)).get();
    if (existing == null) {
      client.resource(wanted).create();
    } else if (!sameContent(existing, wanted)) {
      existing.setEndpoints(wanted.getEndpoints());
      existing.setPorts(wanted.getPorts());
      existing.getMetadata().setLabels(labels);
      client.resource(existing).update();
    }
  }

  private static boolean sameContent(EndpointSlice a, EndpointSlice b) {
    return Objects.equals(Serialization.asJson(a.getEndpoints()), Serialization.asJson(b.getEndpoints()))
        && Objects.equals(Serialization.asJson(a.getPorts()), Serialization.asJson(b.getPorts()))
        && Objects.equals(a.getMetadata().getLabels(), b.getMetadata().getLabels());
  }

  private static Endpoint endpoint(Pod pod) {
    boolean terminating = pod.getMetadata().getDeletionTimestamp() != null;
    boolean podReady = Kubelet.isReady(pod);
    return new EndpointBuilder()
        .withAddresses(pod.getStatus().getPodIP())
        .withNewConditions()
          .withReady(podReady && !terminating)
          .withServing(podReady)
          .withTerminating(terminating)
        .endConditions()
        .withNodeName("embedded")
        .withTargetRef(new ObjectReferenceBuilder()
            .withKind("Pod")
            .withNamespace(pod.getMetadata().getNamespace())
            .withName(pod.getMetadata().getName())
            .withUid(pod.getMetadata().getUid())
            .build())
        .build();
  }

  /** The slice port is the container port the Service's targetPort resolves to. */
  private static EndpointPort port(ServicePort servicePort, List<Pod> pods) {
    IntOrString target = servicePort.getTargetPort();
    Integer number;
    if (target == null) {
      number = servicePort.getPort();
    } else if (target.getIntVal() != null) {
      number = target.getIntVal();
    } else {
      number = pods.stream().map(p -> namedPort(p, target.getStrVal())).flatMap(Optional::stream)
          .findFirst().orElse(null);
    }
    return new EndpointPortBuilder()
        .withName(Objects.requireNonNullElse(servicePort.getName(), ""))
        .withProtocol(Objects.requireNonNullElse(servicePort.getProtocol(), "TCP"))
        .withPort(number)
        .withAppProtocol(servicePort.getAppProtocol())
        .build();
  }

  private static Optional<Integer> namedPort(Pod pod, String name) {
    for (Container container : pod.getSpec().getContainers()) {
      for (ContainerPort port : container.getPorts()) {
        if (name.equals(port.getName())) {
          return Optional.of(port.getContainerPort());
        }
      }
    }
    return Optional.empty();
  }
}
