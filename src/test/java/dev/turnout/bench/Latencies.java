package dev.turnout.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Samples of one latency in milliseconds, printed as p50, p99 (nearest rank), max and n. */
final class Latencies {
  private final String name;
  private final List<Double> millis = new ArrayList<>();

  Latencies(String name) {
    this.name = name;
  }

  synchronized void add(double ms) {
    millis.add(ms);
  }

  synchronized int count() {
    return millis.size();
  }

  /** Nearest-rank percentile: the smallest sample with at least p of the samples at or below it (p99 of 50 = max). */
  synchronized double percentile(double p) {
    if (millis.isEmpty()) {
      return Double.NaN;
    }
    List<Double> sorted = new ArrayList<>(millis);
    sorted.sort(Double::compare);
    int rank = (int) Math.ceil(p * sorted.size());
    return sorted.get(Math.max(0, rank - 1));
  }

  /** {@code BENCH   <name>  p50=  12.3 ms  p99=  45.6 ms  max=  78.9 ms  n=50}, and the target if given. */
  String line(String target) {
    return String.format(Locale.ROOT, "BENCH   %-46s p50=%7.1f ms  p99=%7.1f ms  max=%7.1f ms  n=%d%s", name,
        percentile(0.50), percentile(0.99), percentile(1.0), count(), target == null ? "" : "  (" + target + ")");
  }
}
