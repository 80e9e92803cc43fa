package dev.turnout.realtier;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * What one release costs the API server, read from its audit log: the operator's writes to the release's objects (its
 * name, or a name it prefixes: the colors, the Services, the ControllerRevisions), Leases and Events aside; and the
 * requests around a switch, to count its round trips.
 */
final class ReleaseWrites {
  /** ControllerRevision, Deployment, preview Service, status at the start, switch, status recording it, status at convergence. */
  static final int PER_VERSION = 7;

  private ReleaseWrites() {}

  /** The operator's writes since the instant to the release's objects. */
  static List<AuditLog.Entry> of(RealTier tier, String namespace, String release, Instant since) {
    return requests(tier, namespace, release, since).stream().filter(AuditLog.Entry::isWrite).toList();
  }

  /** Every request of the operator since the instant to the release's objects (reads too), Leases and Events aside. */
  static List<AuditLog.Entry> requests(RealTier tier, String namespace, String release, Instant since) {
    return tier.audit().operatorRequests().stream()
        .filter(e -> !e.at().isBefore(since))
        .filter(e -> namespace.equals(e.namespace()))
        .filter(e -> !"leases".equals(e.resource()) && !"events".equals(e.resource()))
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

  static void assertAtMostPerVersion(String what, List<AuditLog.Entry> writes) {
    print(what, writes);
    assertThat(writes).as("the operator's writes of %s (at most %d: %s): %s", what, PER_VERSION, grouped(writes), writes)
        .hasSizeLessThanOrEqualTo(PER_VERSION);
  }

  /**
   * Two round trips from the decision to its record: the reconcile that moves traffic makes the active Service's write
   * its first request (no request of the operator between its previous write and the switch), and the status write
   * recording it its second (the Events follow it).
   */
  static void assertSwitchInTwoRoundTrips(String what, List<AuditLog.Entry> requests, String activeService) {
    int i = 0;
    while (i < requests.size() && !(requests.get(i).verb().equals("patch") && "services".equals(requests.get(i).resource())
        && activeService.equals(requests.get(i).name()))) {
      i++;
    }
    assertThat(i).as("the write of Service %s in %s: %s", activeService, what, requests).isLessThan(requests.size());
    if (i > 0) {
      assertThat(requests.get(i - 1).isWrite()).as("%s: a request of the operator between its last write and the switch"
          + " (the decision's reconcile asked something first): %s", what, requests).isTrue();
    }
    assertThat(i + 1).as("%s: a request after the switch: %s", what, requests).isLessThan(requests.size());
    AuditLog.Entry next = requests.get(i + 1);
    assertThat(next.fullResource() + " " + next.verb()).as("%s: what follows the switch: %s", what, requests)
        .isEqualTo("appreleases/status patch");
  }
}
