package dev.turnout.healthpolicy.probe;

import dev.turnout.healthpolicy.CheckSpec;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import java.time.Clock;

/** A TCP connect to the check's own host:port (a dependency such as MongoDB); passes when the connection opens. */
final class TcpProber {
  private final Vertx vertx;
  private final NetClient client;
  private final Clock clock;

  TcpProber(Vertx vertx, NetClient client, Clock clock) {
    this.vertx = vertx;
    this.client = client;
    this.clock = clock;
  }

  Future<CheckResult> probe(CheckSpec check, long timeoutMillis) {
    String label = "tcp " + Probes.hostPort(check.tcp.host, check.tcp.port);
    long start = System.nanoTime();
    Future<NetSocket> connect = Probes.safely(() -> client.connect(check.tcp.port, check.tcp.host));
    // close a socket that connects after the deadline fired
    connect.onSuccess(socket -> vertx.runOnContext(v -> socket.close()));
    return Probes.deadline(vertx, connect, timeoutMillis).transform(ar -> {
      long latency = (System.nanoTime() - start) / 1_000_000;
      if (ar.succeeded()) {
        return Future.succeededFuture(CheckResult.pass(check.name, latency, clock.instant(), label + ": connected"));
      }
      return Future.succeededFuture(CheckResult.fail(check.name, latency, clock.instant(),
          label + ": " + Probes.describe(ar.cause(), timeoutMillis)));
    });
  }
}
