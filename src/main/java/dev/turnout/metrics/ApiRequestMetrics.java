package dev.turnout.metrics;

import io.fabric8.kubernetes.client.http.AsyncBody;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Locale;

/**
 * Counts every HTTP request the Kubernetes client sends, by verb and result: {@code turnout_api_requests_total{verb,
 * code}}. An interceptor of the fabric8 client (called once per response, retries included, and for watches when the
 * server answers the watch request), so it sees the informers' lists and watches as well as Turnout's own reads and
 * writes. Labels stay bounded: the verb is one of a handful and the code an HTTP status (or {@code error} when no answer
 * came), never a path or a name.
 */
public final class ApiRequestMetrics implements Interceptor {
  public static final String NAME = "turnout-api-request-metrics";
  private final MeterRegistry registry;

  public ApiRequestMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  @Override
  public void after(HttpRequest request, HttpResponse<?> response, AsyncBody.Consumer<List<ByteBuffer>> consumer) {
    count(verb(request.method(), request.uri() == null ? null : request.uri().getRawQuery()), Integer.toString(response.code()));
  }

  @Override
  public void afterConnectionFailure(HttpRequest request, Throwable failure) {
    count(verb(request.method(), request.uri() == null ? null : request.uri().getRawQuery()), "error");
  }

  private void count(String verb, String code) {
    Counter.builder("turnout.api.requests")
        .description("Requests the operator sent to the Kubernetes API, by verb and HTTP status (error: no answer)")
        .tag("verb", verb)
        .tag("code", code)
        .register(registry)
        .increment();
  }

  /** The HTTP method in lower case, except {@code watch} for a GET with {@code watch=true} (informers' watches). */
  static String verb(String method, String rawQuery) {
    String m = method == null ? "unknown" : method.toLowerCase(Locale.ROOT);
    if ("get".equals(m) && rawQuery != null) {
      for (String p : rawQuery.split("&")) {
        if (p.equals("watch=true") || p.equals("watch=1")) {
          return "watch";
        }
      }
    }
    return switch (m) {
      case "get", "post", "put", "patch", "delete" -> m;
      default -> "other";
    };
  }
}
