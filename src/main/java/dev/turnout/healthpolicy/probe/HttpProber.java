package dev.turnout.healthpolicy.probe;

import com.jayway.jsonpath.Configuration;
import com.jayway.jsonpath.DocumentContext;
import com.jayway.jsonpath.JsonPath;
import com.jayway.jsonpath.Option;
import com.jayway.jsonpath.PathNotFoundException;
import dev.turnout.healthpolicy.CheckSpec;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/** One HTTP(S) request to one endpoint, and the assertions on its response. */
final class HttpProber {
  /** Response bodies larger than this are not evaluated (a health payload is small). */
  static final int MAX_BODY_BYTES = 1024 * 1024;

  private static final Configuration JSON = Configuration.defaultConfiguration().addOptions(Option.SUPPRESS_EXCEPTIONS);
  private static final Configuration JSON_STRICT = Configuration.defaultConfiguration();

  private final Vertx vertx;
  private final WebClient client;

  HttpProber(Vertx vertx, WebClient client) {
    this.vertx = vertx;
    this.client = client;
  }

  /** The outcome on one endpoint; never a failed future. */
  Future<CheckResult.EndpointResult> probe(CheckSpec check, Target.Endpoint endpoint, int port, long timeoutMillis) {
    CheckSpec.HttpCheck http = check.http;
    String method = http.method == null ? "GET" : http.method.name();
    String path = http.path == null || http.path.isEmpty() ? "/" : http.path;
    String label = method + " " + path + " on " + endpoint.hostPort(port);
    long start = System.nanoTime();
    Future<HttpResponse<Buffer>> response = Probes.safely(() -> {
      HttpRequest<Buffer> request = client.request(HttpMethod.valueOf(method), port, endpoint.ip(), path)
          .ssl(http.scheme == CheckSpec.Scheme.HTTPS)
          .timeout(timeoutMillis);
      if (http.headers != null) {
        for (CheckSpec.Header h : http.headers) {
          request.putHeader(h.name, h.value);
        }
      }
      return request.send();
    });
    return Probes.deadline(vertx, response, timeoutMillis).transform(ar -> {
      long latency = (System.nanoTime() - start) / 1_000_000;
      if (ar.failed()) {
        return Future.succeededFuture(new CheckResult.EndpointResult(endpoint.ip(), endpoint.podName(), false, latency,
            label + ": " + Probes.describe(ar.cause(), timeoutMillis)));
      }
      HttpResponse<Buffer> r = ar.result();
      String statusProblem = statusProblem(http, r.statusCode());
      List<String> problems = responseProblems(http, r.headers(), r.bodyAsString());
      String message = label + ": " + r.statusCode() + (statusProblem == null ? "" : " (" + statusProblem + ")")
          + (problems.isEmpty() ? "" : ", " + String.join(", ", problems));
      boolean passed = statusProblem == null && problems.isEmpty();
      return Future.succeededFuture(
          new CheckResult.EndpointResult(endpoint.ip(), endpoint.podName(), passed, latency, message));
    });
  }

  /** What is wrong with the status code ("expected 2xx"), or null when it is accepted. */
  static String statusProblem(CheckSpec.HttpCheck http, int status) {
    if (http.expectStatus == null || http.expectStatus.isEmpty()) {
      return status >= 200 && status <= 299 ? null : "expected 2xx";
    }
    if (http.expectStatus.contains(status)) {
      return null;
    }
    return "expected " + (http.expectStatus.size() == 1
        ? http.expectStatus.get(0).toString() : "one of " + http.expectStatus);
  }

  /** Everything wrong with the headers and body, each as a short phrase; empty when they meet every expectation. */
  static List<String> responseProblems(CheckSpec.HttpCheck http, MultiMap headers, String body) {
    List<String> problems = new ArrayList<>();
    if (http.expectHeaders != null) {
      for (CheckSpec.Header h : http.expectHeaders) {
        List<String> values = headers.getAll(h.name); // MultiMap names are case-insensitive
        if (values.isEmpty()) {
          problems.add("missing header " + h.name + " (expected " + quote(h.value) + ")");
        } else if (!values.contains(h.value)) {
          problems.add("header " + h.name + " = " + quote(String.join(", ", values)) + ", expected " + quote(h.value));
        }
      }
    }
    if (http.expectJson != null && !http.expectJson.isEmpty()) {
      problems.addAll(evaluateJson(http.expectJson, body));
    }
    return problems;
  }

  static List<String> evaluateJson(List<CheckSpec.JsonAssertion> assertions, String body) {
    List<String> problems = new ArrayList<>();
    if (body == null || body.isBlank()) {
      problems.add("empty body, expected JSON");
      return problems;
    }
    if (body.length() > MAX_BODY_BYTES) {
      problems.add("body larger than " + MAX_BODY_BYTES + " bytes, not evaluated");
      return problems;
    }
    DocumentContext doc;
    try {
      doc = JsonPath.using(JSON_STRICT).parse(body);
      doc.json(); // forces the parse error now
    } catch (RuntimeException e) {
      problems.add("body is not JSON: " + abbreviate(body, 80));
      return problems;
    }
    for (CheckSpec.JsonAssertion a : assertions) {
      Object value;
      boolean found;
      try {
        value = doc.read(a.path);
        found = !(value instanceof Collection<?> c && c.isEmpty() && !JsonPath.isPathDefinite(a.path));
      } catch (PathNotFoundException e) {
        value = null;
        found = false;
      } catch (RuntimeException e) {
        problems.add(a.path + ": invalid JSONPath (" + e.getMessage() + ")");
        continue;
      }
      if (a.exists != null) {
        if (a.exists && !found) {
          problems.add(a.path + " is missing");
        } else if (!a.exists && found) {
          problems.add(a.path + " = " + text(value) + ", expected it to be absent");
        }
      } else if (a.equals != null) {
        if (!found) {
          problems.add(a.path + " is missing, expected " + quote(a.equals));
        } else if (!a.equals.equals(asText(value))) {
          problems.add(a.path + " = " + text(value) + ", expected " + quote(a.equals));
        }
      } else if (a.oneOf != null) {
        if (!found) {
          problems.add(a.path + " is missing, expected one of " + quoteAll(a.oneOf));
        } else if (!a.oneOf.contains(asText(value))) {
          problems.add(a.path + " = " + text(value) + ", expected one of " + quoteAll(a.oneOf));
        }
      }
    }
    return problems;
  }

  /** The value as text for comparison: strings as they are, everything else as JSON. */
  static String asText(Object value) {
    if (value == null) {
      return "null";
    }
    if (value instanceof String s) {
      return s;
    }
    if (value instanceof Map<?, ?> || value instanceof Collection<?>) {
      return JSON.jsonProvider().toJson(value);
    }
    return value.toString();
  }

  /** The value for a message: strings quoted, everything else as JSON. */
  private static String text(Object value) {
    return value instanceof String s ? quote(s) : abbreviate(asText(value), 80);
  }

  static String quote(String s) {
    return "\"" + abbreviate(s, 120) + "\"";
  }

  private static String quoteAll(List<String> values) {
    return values.stream().map(HttpProber::quote).toList().toString();
  }

  private static String abbreviate(String s, int max) {
    String oneLine = s.replaceAll("\\s+", " ").trim();
    return oneLine.length() <= max ? oneLine : oneLine.substring(0, max) + "…";
  }
}
