package dev.turnout.healthpolicy.probe;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.PfxOptions;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real HTTP server on 127.0.0.1 (random port) that answers like the sample FastAPI backend's /api/v1/health:
 * healthy, database down (503), or slower than any check timeout; CORS header only for the allowed Origin.
 */
public final class FakeBackend implements AutoCloseable {
  public static final String ORIGIN = "https://dev.autoauthor.app";
  public static final String HEALTHY = "{\"status\":\"healthy\",\"api\":\"healthy\",\"database\":\"healthy\"}";
  public static final String DB_DOWN = "{\"status\":\"unhealthy\",\"api\":\"healthy\",\"database\":\"unreachable\"}";

  public enum Mode { HEALTHY, DB_DOWN, SLOW }

  public volatile Mode mode;
  private final Vertx vertx;
  private final HttpServer server;

  private FakeBackend(Vertx vertx, Mode mode, HttpServerOptions options) throws Exception {
    this.vertx = vertx;
    this.mode = mode;
    this.server = vertx.createHttpServer(options.setHost("127.0.0.1").setPort(0)).requestHandler(this::handle)
        .listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  public static FakeBackend start(Vertx vertx, Mode mode) throws Exception {
    return new FakeBackend(vertx, mode, new HttpServerOptions());
  }

  /** An HTTPS server with a self-signed certificate in a PKCS#12 key store made by keytool. */
  public static FakeBackend startTls(Vertx vertx, Mode mode, String keyStorePath, String password) throws Exception {
    return new FakeBackend(vertx, mode, new HttpServerOptions().setSsl(true)
        .setKeyCertOptions(new PfxOptions().setPath(keyStorePath).setPassword(password)));
  }

  private void handle(HttpServerRequest req) {
    if (!req.path().equals("/api/v1/health")) {
      req.response().setStatusCode(404).end("{\"detail\":\"Not Found\"}");
      return;
    }
    var res = req.response().putHeader("content-type", "application/json");
    String origin = req.getHeader("Origin");
    if (ORIGIN.equals(origin)) {
      res.putHeader("access-control-allow-origin", origin);
    }
    switch (mode) {
      case HEALTHY -> res.setStatusCode(200).end(HEALTHY);
      case DB_DOWN -> res.setStatusCode(503).end(DB_DOWN);
      case SLOW -> vertx.setTimer(3000, id -> res.setStatusCode(200).end(HEALTHY));
    }
  }

  public int port() {
    return server.actualPort();
  }

  /** A target whose Service port "http"/80 maps to this server on 127.0.0.1. */
  public Target target(String service) {
    return target(service, "127.0.0.1");
  }

  public Target target(String service, String ip) {
    return new Target("auto-author", service, "green",
        List.of(new ServicePortBuilder().withName("http").withPort(80).withTargetPort(new IntOrString("http")).build()),
        List.of(new Target.Endpoint(ip, Map.of("http", port()))));
  }

  @Override
  public void close() throws Exception {
    server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
