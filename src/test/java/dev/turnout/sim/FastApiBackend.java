package dev.turnout.sim;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Stands in for the sample FastAPI backend's health endpoint (GET /api/v1/health), with the
 * failure modes the readiness gates must catch. The mode can be switched while pods serve.
 */
public final class FastApiBackend implements HttpHandler {
  public static final String HEALTH_PATH = "/api/v1/health";

  public enum Mode {
    /** 200, all healthy, CORS header for the allowed Origin. */
    HEALTHY,
    /** 503 with "database": "unreachable". */
    DATABASE_DOWN,
    /** 200 but no Access-Control-Allow-Origin header (a broken CORS configuration). */
    NO_CORS,
    /** Answers healthy, but only after the slow delay (longer than the check's timeout). */
    SLOW
  }

  private final String allowedOrigin;
  private volatile Mode mode = Mode.HEALTHY;
  private volatile Duration slowDelay = Duration.ofSeconds(5);

  public FastApiBackend(String allowedOrigin) {
    this.allowedOrigin = allowedOrigin;
  }

  public FastApiBackend mode(Mode mode) {
    this.mode = mode;
    return this;
  }

  public Mode mode() {
    return mode;
  }

  /** Switches to SLOW with the given delay. */
  public FastApiBackend slow(Duration delay) {
    this.slowDelay = delay;
    this.mode = Mode.SLOW;
    return this;
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      Mode current = mode;
      if (!HEALTH_PATH.equals(exchange.getRequestURI().getPath())) {
        send(exchange, 404, "{\"detail\":\"Not Found\"}", current);
        return;
      }
      if (current == Mode.SLOW) {
        try {
          Thread.sleep(slowDelay.toMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
      if (current == Mode.DATABASE_DOWN) {
        send(exchange, 503, "{\"status\":\"unhealthy\",\"api\":\"healthy\",\"database\":\"unreachable\"}", current);
      } else {
        send(exchange, 200, "{\"status\":\"healthy\",\"api\":\"healthy\",\"database\":\"healthy\"}", current);
      }
    }
  }

  private void send(HttpExchange exchange, int status, String json, Mode current) throws IOException {
    String origin = exchange.getRequestHeaders().getFirst("Origin");
    if (current != Mode.NO_CORS && origin != null && origin.equals(allowedOrigin)) {
      exchange.getResponseHeaders().add("Access-Control-Allow-Origin", origin);
      exchange.getResponseHeaders().add("Access-Control-Allow-Credentials", "true");
      exchange.getResponseHeaders().add("Vary", "Origin");
    }
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, body.length);
    exchange.getResponseBody().write(body);
  }
}
