package dev.turnout.healthpolicy.probe;

import io.fabric8.kubernetes.api.model.Service;
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
}
