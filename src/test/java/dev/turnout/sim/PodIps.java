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

  /**
   * First two octets of pod IPs: 127.0 on the embedded cluster; 10.244 on the real control plane, whose API
   * server refuses loopback addresses in EndpointSlices (its network namespace routes 10.244.0.0/16 to lo).
   */
  private static volatile String prefix = "127.0.";

  static void usePrefix(String twoOctets) {
    prefix = twoOctets.endsWith(".") ? twoOctets : twoOctets + ".";
  }

  static String next() {
    int n = Math.floorMod(NEXT.getAndIncrement(), 254 * 254);
    return prefix + (1 + n / 254) + "." + (1 + n % 254);
  }
}
