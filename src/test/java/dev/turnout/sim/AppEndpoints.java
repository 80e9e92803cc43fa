package dev.turnout.sim;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.Pod;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Real HTTP servers standing in for an app's containers: for each running pod that a
 * {@link #serve} rule selects, one JDK HttpServer per TCP containerPort, bound to the pod's own
 * loopback IP. The handler is looked up at every request, so a test can swap it at any moment.
 */
final class AppEndpoints implements AutoCloseable {
  private record Rule(String namespace, Map<String, String> selector, HttpHandler handler) {}

  private final List<Rule> rules = new CopyOnWriteArrayList<>();
  /** Servers by pod uid. */
  private final Map<String, List<HttpServer>> servers = new ConcurrentHashMap<>();
  /** Many threads, so a deliberately slow handler does not hold up other pods. */
  private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "sim-app-endpoint");
    t.setDaemon(true);
    return t;
  });

  void serve(String namespace, Map<String, String> selector, HttpHandler handler) {
    rules.add(new Rule(namespace, Map.copyOf(selector), handler));
  }

  void podRunning(Pod pod) {
    String ip = pod.getStatus() == null ? null : pod.getStatus().getPodIP();
    if (ip == null || servers.containsKey(pod.getMetadata().getUid()) || handlerFor(pod) == null) {
      return;
    }
    List<Integer> ports = pod.getSpec().getContainers().stream()
        .flatMap(c -> c.getPorts().stream())
        .filter(p -> p.getProtocol() == null || "TCP".equals(p.getProtocol()))
        .map(ContainerPort::getContainerPort)
        .distinct()
        .toList();
    List<HttpServer> started = new CopyOnWriteArrayList<>();
    for (int port : ports) {
      try {
        HttpServer server = HttpServer.create(new InetSocketAddress(ip, port), 50);
        server.createContext("/", exchange -> dispatch(pod, exchange));
        server.setExecutor(executor);
        server.start();
        started.add(server);
      } catch (IOException e) {
        started.forEach(s -> s.stop(0));
        throw new UncheckedIOException("cannot serve pod " + pod.getMetadata().getName()
            + " on " + ip + ":" + port, e);
      }
    }
    servers.put(pod.getMetadata().getUid(), started);
  }

  void podGone(Pod pod) {
    List<HttpServer> gone = servers.remove(pod.getMetadata().getUid());
    if (gone != null) {
      gone.forEach(s -> s.stop(0));
    }
  }

  private HttpHandler handlerFor(Pod pod) {
    for (int i = rules.size() - 1; i >= 0; i--) {
      Rule rule = rules.get(i);
      if (Selectors.matches(rule.namespace(), rule.selector(), pod)) {
        return rule.handler();
      }
    }
    return null;
  }

  private void dispatch(Pod pod, HttpExchange exchange) throws IOException {
    HttpHandler handler = handlerFor(pod);
    if (handler == null) {
      byte[] body = "no handler for this pod".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(404, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
      return;
    }
    handler.handle(exchange);
  }

  @Override
  public void close() {
    servers.values().forEach(list -> list.forEach(s -> s.stop(0)));
    servers.clear();
    executor.shutdownNow();
  }
}
