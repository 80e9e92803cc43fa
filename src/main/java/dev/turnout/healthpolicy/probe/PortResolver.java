package dev.turnout.healthpolicy.probe;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ServicePort;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Resolves a check's port on the Service under test, then on an endpoint (pure).
 *
 * <p>A check names a port the way a user sees the Service: by Service port name ({@code http}) or by Service port
 * number ({@code 80}). Pods listen on the target port, which the EndpointSlice carries under the Service port's name,
 * so the resolution is: check port → Service port (by name or number) → its name → the EndpointSlice port with that
 * name.
 */
public final class PortResolver {
  private PortResolver() {}

  /** Thrown when a check's port cannot be resolved; the message names the check and the port. */
  public static final class PortResolutionException extends Exception {
    public PortResolutionException(String message) {
      super(message);
    }
  }

  /** The Service port that {@code checkPort} designates. */
  public static ServicePort servicePort(String checkName, IntOrString checkPort, String serviceName,
      List<ServicePort> servicePorts) throws PortResolutionException {
    if (checkPort == null || (checkPort.getIntVal() == null && checkPort.getStrVal() == null)) {
      throw new PortResolutionException("check " + checkName + ": no port given");
    }
    List<ServicePort> ports = servicePorts == null ? List.of() : servicePorts;
    Integer number = checkPort.getIntVal();
    String name = checkPort.getStrVal();
    if (number == null && name.chars().allMatch(Character::isDigit) && !name.isEmpty()) {
      number = Integer.valueOf(name); // "8000" written as a string
      name = null;
    }
    for (ServicePort p : ports) {
      if (number != null ? number.equals(p.getPort()) : name.equals(p.getName())) {
        return p;
      }
    }
    String known = ports.isEmpty() ? "none" : ports.stream()
        .map(p -> (p.getName() == null || p.getName().isEmpty() ? "" : p.getName() + "/") + p.getPort())
        .collect(Collectors.joining(", "));
    throw new PortResolutionException("check " + checkName + ": port " + (number != null ? number : "\"" + name + "\"")
        + " is not a port of Service " + serviceName + " (its ports: " + known + ")");
  }

  /** The port to connect to on {@code endpoint} for {@code servicePort}. */
  public static int endpointPort(String checkName, ServicePort servicePort, Target.Endpoint endpoint)
      throws PortResolutionException {
    String name = servicePort.getName() == null ? "" : servicePort.getName();
    Map<String, Integer> ports = endpoint.ports();
    Integer port = ports.get(name);
    if (port == null && ports.size() == 1 && name.isEmpty()) {
      port = ports.values().iterator().next();
    }
    if (port == null) {
      throw new PortResolutionException("check " + checkName + ": endpoint " + endpoint.ip()
          + " has no port " + (name.isEmpty() ? "(unnamed)" : "named " + name)
          + " in its EndpointSlice (ports: " + (ports.isEmpty() ? "none" : ports.keySet()) + ")");
    }
    return port;
  }

  /** Resolves {@code checkPort} for one endpoint of {@code target}: Service port, then EndpointSlice port. */
  public static int resolve(String checkName, IntOrString checkPort, Target target, Target.Endpoint endpoint)
      throws PortResolutionException {
    return endpointPort(checkName, servicePort(checkName, checkPort, target.service(), target.servicePorts()), endpoint);
  }
}
