package dev.turnout.healthpolicy.probe;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds a {@link Target} from a Service and its EndpointSlices (pure; the caller reads them from an informer cache). */
public final class Targets {
  /** Label that ties an EndpointSlice to its Service. */
  public static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";

  private Targets() {}

  /**
   * The ready endpoints of {@code service}. Slices that belong to another Service (by the {@value #SERVICE_NAME_LABEL}
   * label) are ignored; an endpoint counts as ready when its {@code conditions.ready} is true or unset (as Kubernetes
   * specifies); an address listed in several slices is probed once.
   */
  public static Target of(Service service, Collection<EndpointSlice> slices, String color) {
    String name = service.getMetadata().getName();
    String namespace = service.getMetadata().getNamespace();
    Map<String, Target.Endpoint> byIp = new LinkedHashMap<>();
    if (slices != null) {
      for (EndpointSlice slice : slices) {
        if (slice == null) {
          continue;
        }
        Map<String, String> labels = slice.getMetadata() == null ? null : slice.getMetadata().getLabels();
        String owner = labels == null ? null : labels.get(SERVICE_NAME_LABEL);
        if (owner != null && !owner.equals(name)) {
          continue;
        }
        Map<String, Integer> ports = new LinkedHashMap<>();
        if (slice.getPorts() != null) {
          for (EndpointPort p : slice.getPorts()) {
            if (p.getPort() != null) {
              ports.put(p.getName() == null ? "" : p.getName(), p.getPort());
            }
          }
        }
        if (slice.getEndpoints() == null) {
          continue;
        }
        for (Endpoint e : slice.getEndpoints()) {
          boolean ready = e.getConditions() == null || e.getConditions().getReady() == null
              || Boolean.TRUE.equals(e.getConditions().getReady());
          if (!ready || e.getAddresses() == null) {
            continue;
          }
          String pod = e.getTargetRef() != null && "Pod".equals(e.getTargetRef().getKind())
              ? e.getTargetRef().getName() : null;
          for (String ip : e.getAddresses()) {
            byIp.putIfAbsent(ip, new Target.Endpoint(ip, ports, pod));
          }
        }
      }
    }
    List<io.fabric8.kubernetes.api.model.ServicePort> servicePorts =
        service.getSpec() == null || service.getSpec().getPorts() == null ? List.of() : service.getSpec().getPorts();
    return new Target(namespace, name, color, servicePorts, new ArrayList<>(byIp.values()));
  }

  /**
   * One pod as the only endpoint of a target (a readiness gate probes each pod on its own): its IP, and for each of the
   * release's Service ports the container port it targets on this pod (by number, or by name among the pod's container
   * ports), so that checks resolve ports as they do on the Service. A null pod gives a target without endpoints.
   */
  public static Target ofPod(String namespace, String service, List<ServicePort> servicePorts, Pod pod) {
    List<Target.Endpoint> endpoints = new ArrayList<>();
    if (pod != null && pod.getStatus() != null && pod.getStatus().getPodIP() != null) {
      Map<String, Integer> ports = new LinkedHashMap<>();
      for (ServicePort sp : servicePorts) {
        Integer port = containerPort(pod, sp);
        if (port != null) {
          ports.put(sp.getName() == null ? "" : sp.getName(), port);
        }
      }
      endpoints.add(new Target.Endpoint(pod.getStatus().getPodIP(), ports, pod.getMetadata().getName()));
    }
    return new Target(namespace, service, null, servicePorts, endpoints);
  }

  /** The container port {@code sp} targets on {@code pod}, or null when a named target port is not among its ports. */
  static Integer containerPort(Pod pod, ServicePort sp) {
    if (sp.getTargetPort() == null) {
      return sp.getPort();
    }
    if (sp.getTargetPort().getIntVal() != null) {
      return sp.getTargetPort().getIntVal();
    }
    String name = sp.getTargetPort().getStrVal();
    for (Container c : pod.getSpec().getContainers()) {
      if (c.getPorts() != null) {
        for (ContainerPort cp : c.getPorts()) {
          if (name.equals(cp.getName())) {
            return cp.getContainerPort();
          }
        }
      }
    }
    return null;
  }
}
