package dev.turnout.sim;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Hands out loopback addresses 127.0.x.y (x, y >= 1) to simulated pods, so that every pod can
 * have a real HTTP server on its own address and port. The counter is JVM-wide on purpose: two
 * embedded clusters in one JVM must not give two pods the same address and port.
 */
final class PodIps {
  /**
   * Starts at a random address: several test JVMs on one machine (developers, CI shards) would otherwise all bind
   * 127.0.1.1:8000 first, and one JVM's probes could reach another JVM's servers.
   */
  private static final AtomicInteger NEXT =
      new AtomicInteger(java.util.concurrent.ThreadLocalRandom.current().nextInt(254 * 254));

  private PodIps() {}

  static String next() {
    int n = Math.floorMod(NEXT.getAndIncrement(), 254 * 254);
    return "127.0." + (1 + n / 254) + "." + (1 + n % 254);
  }
}
