package dev.turnout.healthpolicy;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.IntOrString;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "(has(self.http) ? 1 : 0) + (has(self.tcp) ? 1 : 0) + (has(self.prometheus) ? 1 : 0) == 1",
    message = "a check has exactly one of http, tcp or prometheus")
public class CheckSpec {
  @Required
  @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
  @Size(max = 63)
  @JsonPropertyDescription("Name of the check, unique in the policy; used in status, Events and metrics.")
  public String name;

  @JsonPropertyDescription("An HTTP(S) request to the Service under test.")
  public HttpCheck http;

  @JsonPropertyDescription(
      "A TCP connect. With host: to that host and port, a dependency of the release such as MongoDB. Without host: to"
          + " each pod under test on port (its pod IP), a per-pod check.")
  public TcpCheck tcp;

  @JsonPropertyDescription("A PromQL query whose result must meet a condition.")
  public PrometheusCheck prometheus;

  @Default("2")
  @Min(1)
  @Max(60)
  @JsonPropertyDescription("Seconds before the check counts as failed.")
  public Integer timeoutSeconds;

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class HttpCheck {
    @Default("/")
    @Pattern("^/.*")
    @JsonPropertyDescription("Path and query of the request, starting with /.")
    public String path;

    @Required
    @JsonPropertyDescription("Port name or number, resolved on the Service under test.")
    public IntOrString port;

    @Default("HTTP")
    @JsonPropertyDescription("HTTP or HTTPS.")
    public Scheme scheme;

    @Default("GET")
    @JsonPropertyDescription("HTTP method.")
    public Method method;

    @Size(max = 32)
    @JsonPropertyDescription("Request headers, e.g. an Origin to check CORS.")
    public List<Header> headers;

    @Size(max = 32)
    @ValidationRule(value = "self.all(s, s >= 100 && s <= 599)", message = "status codes are between 100 and 599")
    @JsonPropertyDescription("Accepted status codes. Default: any 2xx.")
    public List<Integer> expectStatus;

    @Size(max = 32)
    @JsonPropertyDescription("Response headers that must be present with these exact values (names are case-insensitive).")
    public List<Header> expectHeaders;

    @Size(max = 32)
    @JsonPropertyDescription("Assertions on the JSON response body.")
    public List<JsonAssertion> expectJson;
  }

  public enum Scheme {
    HTTP,
    HTTPS
  }

  public enum Method {
    GET,
    HEAD,
    POST,
    PUT,
    OPTIONS
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Header {
    @Required
    @Pattern("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
    @JsonPropertyDescription("Header name.")
    public String name;

    @Required
    @JsonPropertyDescription("Header value.")
    public String value;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @ValidationRule(
      value = "(has(self.equals) ? 1 : 0) + (has(self.exists) ? 1 : 0) + (has(self.oneOf) ? 1 : 0) == 1",
      message = "a JSON assertion has exactly one of equals, exists or oneOf")
  public static class JsonAssertion {
    @Required
    @Pattern("^\\$.*")
    @JsonPropertyDescription("JSONPath into the body, e.g. $.database.")
    public String path;

    @JsonPropertyDescription("The value at path, as text, must equal this.")
    public String equals;

    @JsonPropertyDescription("true: path must exist; false: path must not exist.")
    public Boolean exists;

    @JsonPropertyDescription("The value at path, as text, must be one of these.")
    public List<String> oneOf;
  }

  /**
   * Whether this check runs on each pod (endpoint) under test: an HTTP check, or a TCP check without host. Other checks
   * (TCP with host, Prometheus) are dependency checks of the release: they run once per round and say nothing about one
   * pod. Static, so that Jackson and the CRD generator do not take it for a property.
   */
  public static boolean isPerPod(CheckSpec check) {
    return check.http != null || (check.tcp != null && (check.tcp.host == null || check.tcp.host.isBlank()));
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class TcpCheck {
    @Size(min = 1, max = 253)
    @JsonPropertyDescription(
        "Host name or IP address to connect to (a dependency such as MongoDB). Without host, the check connects to each"
            + " pod under test on its pod IP and port.")
    public String host;

    @Required
    @Min(1)
    @Max(65535)
    @JsonPropertyDescription("TCP port: of host, or without host the container port on each pod.")
    public Integer port;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class PrometheusCheck {
    @Required
    @Pattern("^https?://.+")
    @JsonPropertyDescription("Base URL of the Prometheus HTTP API, e.g. http://prometheus.monitoring:9090.")
    public String url;

    @Required
    @Size(min = 1)
    @JsonPropertyDescription(
        "PromQL instant query; may use {{service}}, {{namespace}} and {{color}}, replaced with the Service under test.")
    public String query;

    @Required
    @Pattern("^result\\s*(<|<=|>|>=|==|!=)\\s*-?[0-9.]+(e-?[0-9]+)?$")
    @JsonPropertyDescription("Condition on the query's scalar result, e.g. 'result < 0.05'.")
    public String successCondition;
  }
}
