package dev.turnout.bench;

import dev.turnout.apprelease.AppRelease;
import dev.turnout.common.Labels;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The release part of the scale benchmark: every release gets version 2 at once; how long until all switched, the
 * operator's writes per full release (both versions, from the audit log or the embedded server's records), and the
 * operator's requests between the inputs of a switch (or a rollback annotation) and its Service write.
 */
final class ReleasePhase {
  /** Resources of the other kinds in the same namespaces: not the release's writes. */
  static final Set<String> NOT_RELEASE = Set.of("healthpolicies", "databasebackups", "cronjobs", "jobs", "secrets");

  private final ScaleScenario s;

  ReleasePhase(ScaleScenario scenario) {
    this.s = scenario;
  }

  /** The v1 writes are those from {@code created} to {@code settledV1}; the v2 ones are measured here. */
  void run(ClusterObserver seen, Instant created, Instant settledV1) {
    List<OperatorRequests.Request> v1 = releaseWrites(created, settledV1);
    Instant t1 = Instant.now();
    long n1 = System.nanoTime();
    List<Runnable> updates = new ArrayList<>();
    for (String ns : s.namespaces) {
      updates.add(() -> ScaleFixtures.update(s.admin(), AppRelease.class, ns, "backend", ar -> ar.getSpec().version = "2.0.0"));
    }
    ScaleFixtures.parallel(4, updates);
    ScaleScenario.awaitAll(java.time.Duration.ofMinutes(30), () -> s.count(AppRelease.class, ScaleFixtures::switched) >= s.releases,
        () -> s.count(AppRelease.class, ScaleFixtures::switched) + " of " + s.releases + " switched");
    double switched = (System.nanoTime() - n1) / 1e9;
    Instant settled = s.settle();
    List<OperatorRequests.Request> v2 = releaseWrites(t1, settled);
    int n = s.releases;
    s.report.line("all %d releases given version 2 at once: all switched (and converged) after %.1f s", n, switched);
    s.report.line("operator API writes per full release of two versions: %.2f (v1 %.2f + v2 %.2f; Leases, Events aside;"
        + " the issue's baseline 13.8)", (v1.size() + v2.size()) / (double) n, v1.size() / (double) n, v2.size() / (double) n);
    s.report.line("  per release, v1: %s", perRelease(v1, n));
    s.report.line("  per release, v2: %s", perRelease(v2, n));
    switchRoundTrips(seen, t1);
  }

  List<OperatorRequests.Request> releaseWrites(Instant from, Instant to) {
    return s.writes(from).stream().filter(r -> !r.at().isAfter(to)).filter(r -> !NOT_RELEASE.contains(r.resource())).toList();
  }

  static String perRelease(List<OperatorRequests.Request> writes, int n) {
    Map<String, Long> counts = writes.stream()
        .collect(Collectors.groupingBy(OperatorRequests.Request::what, TreeMap::new, Collectors.counting()));
    return counts.entrySet().stream().map(e -> e.getKey() + " " + String.format("%.2f", e.getValue() / (double) n))
        .collect(Collectors.joining(", "));
  }

  /**
   * For each release: the operator's requests in its namespace after both inputs of the rollout gate were seen by a
   * watch (every green pod ready in the preview Service's EndpointSlice, the green Deployment rolled out), up to and
   * including the write of the active Service; and, more widely, from the last green pod's Ready condition.
   */
  void switchRoundTrips(ClusterObserver seen, Instant since) {
    List<Integer> fromInputs = new ArrayList<>();
    List<Integer> fromReady = new ArrayList<>();
    Map<String, Long> what = new TreeMap<>();
    int missing = 0;
    for (String ns : s.namespaces) {
      List<OperatorRequests.Request> reqs = s.target.requests().since(since).stream()
          .filter(r -> ns.equals(r.namespace())).toList();
      OperatorRequests.Request write = reqs.stream()
          .filter(r -> r.isWrite() && "services".equals(r.resource()) && "backend".equals(r.name())).findFirst().orElse(null);
      List<ClusterObserver.Ready> pods = seen.ready(ns, Map.of(Labels.COLOR, "green"));
      if (write == null || pods.isEmpty()) {
        missing++;
        continue;
      }
      List<Instant> inputs = new ArrayList<>();
      pods.forEach(p -> inputs.add(seen.endpointReady(ns, "backend-preview", p.pod()).map(ClusterObserver.Stamp::wall).orElse(null)));
      inputs.add(seen.rolledOut(ns, "backend-green").map(ClusterObserver.Stamp::wall).orElse(null));
      Instant lastReady = pods.stream().map(ClusterObserver.Ready::transition).max(Comparator.naturalOrder()).orElseThrow();
      fromReady.add(between(reqs, lastReady, write, null));
      if (!inputs.contains(null)) {
        fromInputs.add(between(reqs, inputs.stream().max(Comparator.naturalOrder()).orElseThrow(), write, what));
      }
    }
    s.report.line("switch: operator requests from both inputs seen to the active Service's write (included): %s (target <= 2)",
        summary(fromInputs));
    s.report.line("  which (all releases): %s", what);
    s.report.line("  from the last green pod's Ready condition instead: %s%s", summary(fromReady),
        missing == 0 ? "" : "; " + missing + " releases without a Service write or green pods seen");
  }

  /**
   * A manual rollback (annotation turnout.dev/rollback) of {@code count} releases, one at a time: the operator's requests
   * from the annotation's write to the active Service's write (included).
   */
  void rollbackRoundTrips(int count) {
    List<Integer> trips = new ArrayList<>();
    Map<String, Long> what = new TreeMap<>();
    for (String ns : s.namespaces.subList(0, Math.min(count, s.namespaces.size()))) {
      Instant t = Instant.now();
      ScaleFixtures.update(s.admin(), AppRelease.class, ns, "backend",
          ar -> ar.getMetadata().getAnnotations().put(Labels.ROLLBACK, "bench-" + System.nanoTime()));
      ScaleScenario.awaitAll(java.time.Duration.ofMinutes(2), () -> s.target.requests().since(t).stream()
          .anyMatch(r -> ns.equals(r.namespace()) && r.isWrite() && "services".equals(r.resource()) && "backend".equals(r.name())),
          () -> ns + " not rolled back");
      List<OperatorRequests.Request> reqs = s.target.requests().since(t).stream().filter(r -> ns.equals(r.namespace())).toList();
      OperatorRequests.Request write = reqs.stream()
          .filter(r -> r.isWrite() && "services".equals(r.resource()) && "backend".equals(r.name())).findFirst().orElseThrow();
      trips.add(between(reqs, t, write, what));
    }
    s.report.line("rollback: operator requests from the rollback annotation's write to the active Service's write (included),"
        + " %d releases one at a time: %s (target <= 2)", trips.size(), summary(trips));
    s.report.line("  which: %s", what);
  }

  /** Requests received in [from, write], the write included (by time: the audit log is in order of completion); counted into {@code what} by verb and resource. */
  static int between(List<OperatorRequests.Request> reqs, Instant from, OperatorRequests.Request write, Map<String, Long> what) {
    int n = 0;
    for (OperatorRequests.Request r : reqs) {
      if (!r.at().isBefore(from) && !r.at().isAfter(write.at())) {
        n++;
        if (what != null) {
          what.merge(r.what(), 1L, Long::sum);
        }
      }
    }
    return n;
  }

  static String summary(List<Integer> values) {
    if (values.isEmpty()) {
      return "no sample";
    }
    List<Integer> sorted = values.stream().sorted().toList();
    return String.format("median %d, max %d, mean %.2f over %d releases", sorted.get(sorted.size() / 2),
        sorted.get(sorted.size() - 1), sorted.stream().mapToInt(Integer::intValue).average().orElse(0), sorted.size());
  }
}
