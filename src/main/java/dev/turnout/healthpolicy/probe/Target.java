package dev.turnout.healthpolicy.probe;

import io.fabric8.kubernetes.api.model.ServicePort;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a round of checks runs against: the Service under test and its ready endpoints.
 *
 * <p>HTTP checks and TCP checks without host are sent to every endpoint (the check passes only when all pass); TCP
 * checks with a host and Prometheus checks run once per round against their own host or URL, and use the target only
 * for {{service}}, {{namespace}} and {{color}}.
 *
 * @param namespace namespace of the Service
 * @param service name of the Service under test (preview before the switch, active after it)
 * @param color color under test (blue or green), substituted into Prometheus queries; may be empty
 * @param servicePorts the Service's ports, used to resolve a check's port by name or number
 * @param endpoints the ready endpoints behind the Service, from its EndpointSlices
 */
public record Target(
    String namespace, String service, String color, List<ServicePort> servicePorts, List<Endpoint> endpoints) {

  public Target {
    Objects.requireNonNull(service, "service");
    namespace = namespace == null ? "" : namespace;
    color = color == null ? "" : color;
    servicePorts = servicePorts == null ? List.of() : List.copyOf(servicePorts);
    endpoints = endpoints == null ? List.of() : List.copyOf(endpoints);
  }

  /**
   * One ready address behind the Service.
   *
   * @param ip the pod IP
   * @param ports EndpointSlice port name ("" when the port has no name) to the target (container) port number
   * @param podName the pod behind the address, from the EndpointSlice targetRef; may be null
   */
  public record Endpoint(String ip, Map<String, Integer> ports, String podName) {
    public Endpoint {
      Objects.requireNonNull(ip, "ip");
      ports = ports == null ? Map.of() : Map.copyOf(ports);
    }

    public Endpoint(String ip, Map<String, Integer> ports) {
      this(ip, ports, null);
    }

    /** host:port for messages, with brackets around IPv6 addresses. */
    public String hostPort(int port) {
      return Probes.hostPort(ip, port);
    }
  }
}
