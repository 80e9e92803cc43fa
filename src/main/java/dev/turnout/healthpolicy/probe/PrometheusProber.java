package dev.turnout.healthpolicy.probe;

import dev.turnout.healthpolicy.CheckSpec;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.time.Clock;

/** A PromQL instant query whose single result must meet the check's successCondition. */
final class PrometheusProber {
  private final Vertx vertx;
  private final WebClient client;
  private final Clock clock;

  PrometheusProber(Vertx vertx, WebClient client, Clock clock) {
    this.vertx = vertx;
    this.client = client;
    this.clock = clock;
  }

  /** Replaces {{service}}, {{namespace}} and {{color}} with the target's values. */
  static String substitute(String query, Target target) {
    return query.replace("{{service}}", target.service())
        .replace("{{namespace}}", target.namespace())
        .replace("{{color}}", target.color());
  }

  Future<CheckResult> probe(CheckSpec check, Target target, long timeoutMillis) {
    long start = System.nanoTime();
    SuccessCondition condition;
    try {
      condition = SuccessCondition.parse(check.prometheus.successCondition);
    } catch (IllegalArgumentException e) {
      return Future.succeededFuture(CheckResult.fail(check.name, 0, clock.instant(), "prometheus: " + e.getMessage()));
    }
    String query = substitute(check.prometheus.query, target);
    String base = check.prometheus.url.endsWith("/")
        ? check.prometheus.url.substring(0, check.prometheus.url.length() - 1) : check.prometheus.url;
    Future<HttpResponse<Buffer>> response = Probes.safely(() -> client.getAbs(base + "/api/v1/query")
        .addQueryParam("query", query)
        .timeout(timeoutMillis)
        .send());
    return Probes.deadline(vertx, response, timeoutMillis).transform(ar -> {
      long latency = (System.nanoTime() - start) / 1_000_000;
      String message;
      boolean passed = false;
      if (ar.failed()) {
        message = "prometheus " + base + ": " + Probes.describe(ar.cause(), timeoutMillis);
      } else {
        Evaluation e = evaluate(ar.result().statusCode(), ar.result().bodyAsString(), query, condition);
        passed = e.passed;
        message = e.message;
      }
      return Future.succeededFuture(new CheckResult(check.name, passed, latency, clock.instant(), message, null));
    });
  }

  record Evaluation(boolean passed, String message) {}

  /** Interprets a /api/v1/query response (pure). */
  static Evaluation evaluate(int status, String body, String query, SuccessCondition condition) {
    JsonObject json;
    try {
      json = new JsonObject(body == null ? "" : body);
    } catch (RuntimeException e) {
      return new Evaluation(false, "prometheus: HTTP " + status + ", response is not JSON");
    }
    if (!"success".equals(json.getString("status"))) {
      return new Evaluation(false, "prometheus: HTTP " + status + ", query failed: "
          + json.getString("errorType", "error") + ": " + json.getString("error", "(no message)") + " (query: " + query + ")");
    }
    JsonObject data = json.getJsonObject("data", new JsonObject());
    String type = data.getString("resultType", "");
    String raw;
    switch (type) {
      case "scalar" -> {
        JsonArray value = data.getJsonArray("result");
        raw = value == null || value.size() < 2 ? null : String.valueOf(value.getValue(1));
      }
      case "vector" -> {
        JsonArray result = data.getJsonArray("result", new JsonArray());
        if (result.size() > 1) {
          return new Evaluation(false, "prometheus: query returned " + result.size()
              + " series, expected one (aggregate it, e.g. with sum() or max()): " + query);
        }
        raw = result.isEmpty() ? null : String.valueOf(result.getJsonObject(0).getJsonArray("value").getValue(1));
      }
      default -> {
        return new Evaluation(false, "prometheus: query returned a " + type
            + " result, expected a scalar or a single-element vector: " + query);
      }
    }
    if (raw == null) {
      return new Evaluation(false, "prometheus: query returned no data, so " + condition + " cannot be checked: " + query);
    }
    double value;
    try {
      value = Double.parseDouble(raw.replace("+Inf", "Infinity").replace("-Inf", "-Infinity"));
    } catch (NumberFormatException e) {
      return new Evaluation(false, "prometheus: result " + raw + " is not a number");
    }
    if (condition.test(value)) {
      return new Evaluation(true, "prometheus: result " + raw + " satisfies " + condition);
    }
    return new Evaluation(false, "prometheus: result " + raw + " does not satisfy " + condition);
  }
}
