package dev.turnout.sim;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Hands out loopback addresses 127.0.x.y (x, y >= 1) to simulated pods, so that every pod can
 * have a real HTTP server on its own address and port. The counter is JVM-wide on purpose: two
 * embedded clusters in one JVM must not give two pods the same address and port.
 */
final class PodIps {
  private static final AtomicInteger NEXT = new AtomicInteger();

  private PodIps() {}

  static String next() {
    int n = NEXT.getAndIncrement() % (254 * 254);
    return "127.0." + (1 + n / 254) + "." + (1 + n % 254);
  }
}
