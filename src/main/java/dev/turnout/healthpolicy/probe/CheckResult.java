package dev.turnout.healthpolicy.probe;

import java.time.Instant;
import java.util.List;

/**
 * The outcome of one check in one round.
 *
 * @param name the check's name
 * @param passed whether it passed (for per-pod checks: on every ready endpoint)
 * @param latencyMillis how long it took (for per-pod checks: the slowest endpoint)
 * @param time when it finished
 * @param message what the check saw, for a person: the failures first, e.g. {@code GET /api/v1/health on
 *     10.0.0.5:8000: 503 (expected 2xx), $.database = "unreachable", expected "healthy"}
 * @param endpoints per-endpoint outcomes of a per-pod check (HTTP, TCP without host); empty for dependency checks
 */
public record CheckResult(
    String name, boolean passed, long latencyMillis, Instant time, String message, List<EndpointResult> endpoints) {

  public CheckResult {
    endpoints = endpoints == null ? List.of() : List.copyOf(endpoints);
  }

  public static CheckResult pass(String name, long latencyMillis, Instant time, String message) {
    return new CheckResult(name, true, latencyMillis, time, message, List.of());
  }

  public static CheckResult fail(String name, long latencyMillis, Instant time, String message) {
    return new CheckResult(name, false, latencyMillis, time, message, List.of());
  }

  /**
   * The outcome of a per-pod check on one endpoint (so that a readiness gate can be set per pod).
   *
   * @param ip the endpoint's address
   * @param podName the pod behind it, when the EndpointSlice says
   */
  public record EndpointResult(String ip, String podName, boolean passed, long latencyMillis, String message) {}
}
