package dev.turnout.healthpolicy.probe;

import dev.turnout.healthpolicy.CheckSpec;
import dev.turnout.healthpolicy.HealthPolicySpec;
import io.fabric8.kubernetes.api.model.IntOrString;
import java.util.ArrayList;
import java.util.List;

/** Builders for test checks shaped like the sample backend's policy. */
final class Checks {
  private Checks() {}

  static CheckSpec.Header header(String name, String value) {
    CheckSpec.Header h = new CheckSpec.Header();
    h.name = name;
    h.value = value;
    return h;
  }

  static CheckSpec.JsonAssertion jsonEquals(String path, String value) {
    CheckSpec.JsonAssertion a = new CheckSpec.JsonAssertion();
    a.path = path;
    a.equals = value;
    return a;
  }

  /** GET /api/v1/health on port http, expecting status 200 and $.database == healthy. */
  static CheckSpec api() {
    CheckSpec c = new CheckSpec();
    c.name = "api";
    c.timeoutSeconds = 5; // generous: the test machine is shared and the first request of a JVM is slow
    c.http = new CheckSpec.HttpCheck();
    c.http.path = "/api/v1/health";
    c.http.port = new IntOrString("http");
    c.http.expectJson = new ArrayList<>(List.of(jsonEquals("$.database", "healthy")));
    return c;
  }

  static CheckSpec tcp(String host, int port) {
    CheckSpec c = new CheckSpec();
    c.name = "mongo";
    c.timeoutSeconds = 5;
    c.tcp = new CheckSpec.TcpCheck();
    c.tcp.host = host;
    c.tcp.port = port;
    return c;
  }

  static HealthPolicySpec policy(int intervalSeconds, int successThreshold, int failureThreshold, CheckSpec... checks) {
    HealthPolicySpec p = new HealthPolicySpec();
    p.checks = List.of(checks);
    p.intervalSeconds = intervalSeconds;
    p.successThreshold = successThreshold;
    p.failureThreshold = failureThreshold;
    return p;
  }
}
