package dev.turnout.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.turnout.sim.FastApiBackend;
import java.io.IOException;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The sample backend's health endpoint with faults per pod: each pod serves on its own IP, so a request is told apart
 * by the address it came in on. A pod answers healthy unless a test made it fail its next n requests or all of them
 * (then it answers 503, "database": "unreachable"). Counts every pod's requests and failures.
 */
public final class PodFaults implements HttpHandler {
  private final FastApiBackend healthy;
  private final FastApiBackend down;
  private final Map<String, AtomicInteger> failNext = new ConcurrentHashMap<>();
  private final Set<String> failing = ConcurrentHashMap.newKeySet();
  private final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();

  public PodFaults(String origin) {
    healthy = new FastApiBackend(origin);
    down = new FastApiBackend(origin).mode(FastApiBackend.Mode.DATABASE_DOWN);
  }

  /** The pod on {@code ip} fails its next {@code n} requests, then answers healthy again. */
  public void failNext(String ip, int n) {
    failNext.computeIfAbsent(ip, k -> new AtomicInteger()).set(n);
  }

  /** The pod on {@code ip} fails every request until {@link #heal}. */
  public void failAlways(String ip) {
    failing.add(ip);
  }

  public void heal(String ip) {
    failing.remove(ip);
    failNext.remove(ip);
  }

  public int requests(String ip) {
    return requests.getOrDefault(ip, new AtomicInteger()).get();
  }

  public int failures(String ip) {
    return failures.getOrDefault(ip, new AtomicInteger()).get();
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    String ip = exchange.getLocalAddress().getAddress().getHostAddress();
    requests.computeIfAbsent(ip, k -> new AtomicInteger()).incrementAndGet();
    AtomicInteger next = failNext.get(ip);
    boolean fail = failing.contains(ip) || (next != null && next.getAndUpdate(n -> Math.max(0, n - 1)) > 0);
    if (fail) {
      failures.computeIfAbsent(ip, k -> new AtomicInteger()).incrementAndGet();
      down.handle(exchange);
    } else {
      healthy.handle(exchange);
    }
  }
}
