package dev.turnout.healthpolicy.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.turnout.healthpolicy.CheckSpec;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.io.File;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Prometheus checks against a real Prometheus started here on 127.0.0.1, scraping a test target that exposes
 * http_requests_total counters. Fails when no prometheus binary is found (install it with
 * scripts/install-test-tools.sh, or point PROMETHEUS_BIN at one).
 */
class PrometheusCheckTest {
  static Vertx vertx;
  static CheckRunner runner;
  static HttpServer metrics;
  static Process prometheus;
  static Path dir;
  static String url;
  static final Target TARGET = new Target("auto-author", "backend-preview", "green", List.of(), List.of());

  static String findPrometheus() {
    String env = System.getenv("PROMETHEUS_BIN");
    if (env != null && new File(env).canExecute()) {
      return env;
    }
    for (String p : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      File f = new File(p, "prometheus");
      if (f.canExecute()) {
        return f.getPath();
      }
    }
    File deb = new File("/usr/bin/prometheus");
    return deb.canExecute() ? deb.getPath() : null;
  }

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }

  @BeforeAll
  static void start() throws Exception {
    String bin = findPrometheus();
    // a required tool: a missing one fails the run rather than skipping the Prometheus checks unseen
    Assertions.assertNotNull(bin,
        "prometheus binary not found (run scripts/install-test-tools.sh, as make test does, or set PROMETHEUS_BIN)");
    vertx = Vertx.vertx();
    runner = new CheckRunner(vertx);
    metrics = vertx.createHttpServer().requestHandler(req -> req.response()
        .putHeader("content-type", "text/plain; version=0.0.4")
        .end("# TYPE http_requests_total counter\n"
            + "http_requests_total{code=\"200\"} 100\n"
            + "http_requests_total{code=\"500\"} 12\n"))
        .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    dir = Files.createTempDirectory("turnout-prom");
    Path config = dir.resolve("prometheus.yml");
    // the job is named like the Service under test, so that {{service}} substitution is exercised
    Files.writeString(config, "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
        + "scrape_configs:\n- job_name: backend-preview\n  static_configs:\n"
        + "  - targets: ['127.0.0.1:" + metrics.actualPort() + "']\n    labels: {namespace: auto-author, color: green}\n");
    int port = freePort();
    url = "http://127.0.0.1:" + port;
    prometheus = new ProcessBuilder(bin, "--config.file=" + config, "--storage.tsdb.path=" + dir.resolve("data"),
        "--web.listen-address=127.0.0.1:" + port, "--log.level=warn")
        .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
    // wait until the first scrape is queryable
    CheckSpec up = check("sum(http_requests_total{job=\"{{service}}\"})", "result > 0");
    await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).until(() -> {
      if (!prometheus.isAlive()) {
        throw new IllegalStateException("prometheus exited: " + Files.readString(dir.resolve("prometheus.log")));
      }
      return run(up).passed();
    });
  }

  @AfterAll
  static void stop() throws Exception {
    if (prometheus != null) {
      prometheus.destroy();
      if (!prometheus.waitFor(20, TimeUnit.SECONDS)) {
        prometheus.destroyForcibly();
      }
    }
    if (runner != null) {
      runner.close();
    }
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    if (dir != null) {
      try (var files = Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
      }
    }
  }

  static CheckSpec check(String query, String condition) {
    CheckSpec c = new CheckSpec();
    c.name = "error-rate";
    c.timeoutSeconds = 5;
    c.prometheus = new CheckSpec.PrometheusCheck();
    c.prometheus.url = url;
    c.prometheus.query = query;
    c.prometheus.successCondition = condition;
    return c;
  }

  static CheckResult run(CheckSpec c) throws Exception {
    return runner.run(c, TARGET).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  static final String ERROR_RATIO = "sum(http_requests_total{code=\"500\",job=\"{{service}}\",namespace=\"{{namespace}}\","
      + "color=\"{{color}}\"}) / sum(http_requests_total{job=\"{{service}}\"})";

  @Test
  void vectorResultFailsTheCondition() throws Exception {
    CheckResult r = run(check(ERROR_RATIO, "result < 0.05"));
    assertThat(r.passed()).isFalse();
    assertThat(r.message()).startsWith("prometheus: result 0.107").endsWith(" does not satisfy result < 0.05");
  }

  @Test
  void vectorResultMeetsTheCondition() throws Exception {
    CheckResult r = run(check(ERROR_RATIO, "result < 0.2"));
    assertThat(r.passed()).as(r.message()).isTrue();
  }

  @Test
  void scalarResult() throws Exception {
    CheckResult r = run(check("scalar(sum(http_requests_total{code=\"500\"}))", "result == 12"));
    assertThat(r.passed()).as(r.message()).isTrue();
    assertThat(r.message()).isEqualTo("prometheus: result 12 satisfies result == 12");
  }

  @Test
  void emptyResultFails() throws Exception {
    CheckResult r = run(check("sum(http_requests_total{code=\"418\"})", "result < 1"));
    assertThat(r.passed()).isFalse();
    assertThat(r.message()).startsWith("prometheus: query returned no data, so result < 1 cannot be checked");
  }

  @Test
  void badQueryFails() throws Exception {
    CheckResult r = run(check("sum(", "result < 1"));
    assertThat(r.passed()).isFalse();
    assertThat(r.message()).startsWith("prometheus: HTTP 400, query failed: bad_data");
  }

  @Test
  void unreachablePrometheus() throws Exception {
    CheckSpec c = check("up", "result > 0");
    c.prometheus.url = "http://127.0.0.1:" + freePort();
    CheckResult r = run(c);
    assertThat(r.passed()).isFalse();
    assertThat(r.message()).endsWith(": connection refused");
  }
}
