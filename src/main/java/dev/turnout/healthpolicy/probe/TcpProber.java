package dev.turnout.healthpolicy.probe;

import dev.turnout.healthpolicy.CheckSpec;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import java.time.Clock;

/**
 * A TCP connect; passes when the connection opens. With {@code tcp.host}: to that host (a dependency such as MongoDB),
 * once per round. Without: to one endpoint (pod IP) on {@code tcp.port}, once per endpoint, like an HTTP check.
 */
final class TcpProber {
  private final Vertx vertx;
  private final NetClient client;
  private final Clock clock;

  TcpProber(Vertx vertx, NetClient client, Clock clock) {
    this.vertx = vertx;
    this.client = client;
    this.clock = clock;
  }

  /** The check's own host:port. */
  Future<CheckResult> probe(CheckSpec check, long timeoutMillis) {
    return connect(check.tcp.host, check.tcp.port, timeoutMillis).map(o -> o.passed()
        ? CheckResult.pass(check.name, o.latencyMillis(), clock.instant(), o.message())
        : CheckResult.fail(check.name, o.latencyMillis(), clock.instant(), o.message()));
  }

  /** {@code endpoint}'s IP on the check's port (a TCP check without host). */
  Future<CheckResult.EndpointResult> probe(CheckSpec check, Target.Endpoint endpoint, long timeoutMillis) {
    return connect(endpoint.ip(), check.tcp.port, timeoutMillis).map(o ->
        new CheckResult.EndpointResult(endpoint.ip(), endpoint.podName(), o.passed(), o.latencyMillis(), o.message()));
  }

  private record Outcome(boolean passed, long latencyMillis, String message) {}

  private Future<Outcome> connect(String host, int port, long timeoutMillis) {
    String label = "tcp " + Probes.hostPort(host, port);
    long start = System.nanoTime();
    Future<NetSocket> connect = Probes.safely(() -> client.connect(port, host));
    // close a socket that connects after the deadline fired
    connect.onSuccess(socket -> vertx.runOnContext(v -> socket.close()));
    return Probes.deadline(vertx, connect, timeoutMillis).transform(ar -> {
      long latency = (System.nanoTime() - start) / 1_000_000;
      return Future.succeededFuture(ar.succeeded()
          ? new Outcome(true, latency, label + ": connected")
          : new Outcome(false, latency, label + ": " + Probes.describe(ar.cause(), timeoutMillis)));
    });
  }
}
