package dev.turnout.notify;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A real HTTP server on a loopback port playing a webhook receiver: it records every request (headers and body) and
 * answers with the statuses it is given in turn (then 200), or hangs (reads the request, never answers) until
 * {@link #release()}.
 */
final class WebhookServer implements AutoCloseable {
  record Received(String path, Map<String, List<String>> headers, String body) {
    String header(String name) {
      return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name)).map(e -> e.getValue().get(0))
          .findFirst().orElse(null);
    }
  }

  private final HttpServer server;
  final List<Received> received = new CopyOnWriteArrayList<>();
  private final Deque<Integer> answers = new ArrayDeque<>();
  private volatile boolean hang;
  private final CountDownLatch released = new CountDownLatch(1);

  WebhookServer() {
    try {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.setExecutor(Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "webhook-server");
      t.setDaemon(true);
      return t;
    }));
    server.createContext("/", exchange -> {
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      received.add(new Received(exchange.getRequestURI().getPath(), Map.copyOf(exchange.getRequestHeaders()), body));
      if (hang) {
        try {
          released.await(10, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      int code;
      synchronized (answers) {
        code = answers.isEmpty() ? 200 : answers.pollFirst();
      }
      exchange.sendResponseHeaders(code, -1);
      exchange.close();
    });
    server.start();
  }

  URI url(String path) {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
  }

  WebhookServer answering(Integer... codes) {
    synchronized (answers) {
      answers.addAll(List.of(codes));
    }
    return this;
  }

  WebhookServer hanging() {
    hang = true;
    return this;
  }

  void release() {
    released.countDown();
  }

  @Override
  public void close() {
    release();
    server.stop(0);
  }
}
