package dev.turnout.realtier;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** The operator's writes for one release, read from the API server's audit log (Leases and Events aside). */
final class ReleaseWrites {
  private ReleaseWrites() {}

  /** The writes since the instant to the release's objects (its name, or a name it prefixes: colors, Services, revisions). */
  static List<AuditLog.Entry> of(RealTier tier, String namespace, String release, Instant since) {
    return tier.audit().operatorWritesSince(since).stream()
        .filter(e -> namespace.equals(e.namespace()))
        .filter(e -> e.name() != null && (e.name().equals(release) || e.name().startsWith(release + "-")))
        .toList();
  }

  /** resource[/subresource] verb -> count, for a failure message or a report. */
  static Map<String, Long> grouped(List<AuditLog.Entry> writes) {
    return writes.stream().collect(Collectors.groupingBy(e -> e.fullResource() + " " + e.verb(), TreeMap::new,
        Collectors.counting()));
  }

  static void print(String what, List<AuditLog.Entry> writes) {
    System.out.printf("WRITES %s: %d %s%n", what, writes.size(), grouped(writes));
    writes.forEach(w -> System.out.println("WRITES   " + w));
  }
}
