package dev.turnout.healthpolicy.probe;

import dev.turnout.healthpolicy.CheckSpec;
import dev.turnout.healthpolicy.HealthPolicySpec;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs checks asynchronously on Vert.x; nothing here blocks a thread, and the returned futures never fail (an error
 * is a failed {@link CheckResult} with a message).
 *
 * <p>HTTPS checks trust every certificate and do not verify host names: in-cluster pods usually serve self-signed or
 * cluster-internal certificates, are addressed by pod IP (which no certificate names), and a health check verifies
 * behaviour, not identity. Connections are not kept alive, so every round opens fresh connections as a client would.
 */
public final class CheckRunner implements AutoCloseable {
  /** Default of {@code CheckSpec.timeoutSeconds}. */
  public static final int DEFAULT_TIMEOUT_SECONDS = 2;

  private final Vertx vertx;
  private final Clock clock;
  private final WebClient webClient;
  private final NetClient netClient;
  private final HttpProber http;
  private final TcpProber tcp;
  private final PrometheusProber prometheus;

  public CheckRunner(Vertx vertx) {
    this(vertx, Clock.systemUTC());
  }

  public CheckRunner(Vertx vertx, Clock clock) {
    this.vertx = vertx;
    this.clock = clock;
    this.webClient = WebClient.create(vertx, new WebClientOptions()
        .setTrustAll(true) // see class comment: checks behaviour, not identity
        .setVerifyHost(false)
        .setKeepAlive(false)
        .setFollowRedirects(false)
        .setMaxPoolSize(32)
        .setConnectTimeout(60_000) // the per-check deadline is what counts
        .setUserAgent("turnout-probe"));
    this.netClient = vertx.createNetClient(new NetClientOptions().setConnectTimeout(60_000));
    this.http = new HttpProber(vertx, webClient);
    this.tcp = new TcpProber(vertx, netClient, clock);
    this.prometheus = new PrometheusProber(vertx, webClient, clock);
  }

  static long timeoutMillis(CheckSpec check) {
    return 1000L * (check.timeoutSeconds == null || check.timeoutSeconds < 1 ? DEFAULT_TIMEOUT_SECONDS : check.timeoutSeconds);
  }

  /** Runs one check against {@code target}. */
  public Future<CheckResult> run(CheckSpec check, Target target) {
    try {
      long timeout = timeoutMillis(check);
      if (check.http != null) {
        return runHttp(check, target, timeout);
      }
      if (check.tcp != null && CheckSpec.isPerPod(check)) {
        return perEndpoint(check, target, endpoint -> tcp.probe(check, endpoint, timeout));
      }
      if (check.tcp != null) {
        return tcp.probe(check, timeout);
      }
      if (check.prometheus != null) {
        return prometheus.probe(check, target, timeout);
      }
      return Future.succeededFuture(CheckResult.fail(check.name, 0, clock.instant(),
          "check " + check.name + " has none of http, tcp or prometheus"));
    } catch (RuntimeException e) {
      return Future.succeededFuture(CheckResult.fail(check.name, 0, clock.instant(),
          "check " + check.name + ": internal error: " + e));
    }
  }

  /** Runs every check of {@code policy} against {@code target} in parallel. */
  public Future<RoundResult> runRound(HealthPolicySpec policy, Target target) {
    List<CheckSpec> checks = policy.checks == null ? List.of() : policy.checks;
    List<Future<CheckResult>> futures = new ArrayList<>();
    for (CheckSpec check : checks) {
      futures.add(run(check, target));
    }
    return Future.join(futures).transform(ar -> {
      List<CheckResult> results = new ArrayList<>();
      for (Future<CheckResult> f : futures) {
        results.add(f.result());
      }
      return Future.succeededFuture(new RoundResult(clock.instant(), results));
    });
  }

  private Future<CheckResult> runHttp(CheckSpec check, Target target, long timeout) {
    if (target.endpoints().isEmpty()) {
      return noEndpoints(check, target);
    }
    ServicePort servicePort;
    try {
      servicePort = PortResolver.servicePort(check.name, check.http.port, target.service(), target.servicePorts());
    } catch (PortResolver.PortResolutionException e) {
      return Future.succeededFuture(CheckResult.fail(check.name, 0, clock.instant(), e.getMessage()));
    }
    return perEndpoint(check, target, endpoint -> {
      try {
        int port = PortResolver.endpointPort(check.name, servicePort, endpoint);
        return http.probe(check, endpoint, port, timeout);
      } catch (PortResolver.PortResolutionException e) {
        return Future.succeededFuture(
            new CheckResult.EndpointResult(endpoint.ip(), endpoint.podName(), false, 0, e.getMessage()));
      }
    });
  }

  private Future<CheckResult> noEndpoints(CheckSpec check, Target target) {
    return Future.succeededFuture(CheckResult.fail(check.name, 0, clock.instant(),
        "no ready endpoints behind service " + target.service()));
  }

  /** Runs {@code probe} on every endpoint of {@code target}; the check passes only when it passed on each. */
  private Future<CheckResult> perEndpoint(CheckSpec check, Target target,
      java.util.function.Function<Target.Endpoint, Future<CheckResult.EndpointResult>> probe) {
    if (target.endpoints().isEmpty()) {
      return noEndpoints(check, target);
    }
    List<Future<CheckResult.EndpointResult>> futures = new ArrayList<>();
    for (Target.Endpoint endpoint : target.endpoints()) {
      futures.add(probe.apply(endpoint));
    }
    return Future.join(futures).transform(ar -> {
      List<CheckResult.EndpointResult> results = new ArrayList<>();
      for (Future<CheckResult.EndpointResult> f : futures) {
        results.add(f.result());
      }
      return Future.succeededFuture(combine(check.name, results));
    });
  }

  private CheckResult combine(String name, List<CheckResult.EndpointResult> results) {
    long latency = results.stream().mapToLong(CheckResult.EndpointResult::latencyMillis).max().orElse(0);
    List<CheckResult.EndpointResult> failed = results.stream().filter(r -> !r.passed()).toList();
    String message;
    if (failed.isEmpty()) {
      message = results.get(0).message() + (results.size() > 1 ? " (all " + results.size() + " endpoints passed)" : "");
    } else {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < Math.min(3, failed.size()); i++) {
        sb.append(i == 0 ? "" : "; ").append(failed.get(i).message());
      }
      if (failed.size() > 3) {
        sb.append("; and ").append(failed.size() - 3).append(" more");
      }
      if (results.size() > 1) {
        sb.append(" (").append(failed.size()).append(" of ").append(results.size()).append(" endpoints failed)");
      }
      message = sb.toString();
    }
    return new CheckResult(name, failed.isEmpty(), latency, clock.instant(), message, results);
  }

  /** The Vert.x instance the runner uses. */
  public Vertx vertx() {
    return vertx;
  }

  @Override
  public void close() {
    webClient.close();
    netClient.close();
  }
}
