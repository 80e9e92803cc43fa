package dev.turnout.bench;

import dev.turnout.apprelease.AppRelease;
import dev.turnout.sim.FastApiBackend;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Probes per second while reconcile latency stays flat: P releases gated by their HealthPolicy (2 pods each, serving
 * the sample backend's health endpoint) are switched to a second version, so their post-promotion watches probe the
 * active Services every second for the rest of the run; meanwhile the no-op round of the scale scenario is run again
 * and its AppRelease reconcile latency compared with the one measured before, without probes.
 */
final class ProbeLoad {
  static final String PREFIX = "probe-";
  private final ScaleScenario s;
  private final int releases;

  ProbeLoad(ScaleScenario scenario, int releases) {
    this.s = scenario;
    this.releases = releases;
  }

  /**
   * Brings the probed releases up in {@code bench.probeSteps} equal steps (default 1) and measures after each: the probe
   * rate and the no-op reconcile latency at each load level, so that a ramp shows where latency starts to rise.
   */
  void run(double latencyWithout) {
    int steps = Math.max(1, Integer.getInteger("bench.probeSteps", 1));
    int live = 0;
    for (int step = 1; step <= steps; step++) {
      int upTo = releases * step / steps;
      List<String> batch = new ArrayList<>();
      for (int i = live; i < upTo; i++) {
        batch.add(PREFIX + i);
      }
      bringUp(batch);
      live = upTo;
      measure(live, latencyWithout);
    }
  }

  /** The releases of {@code namespaces} live on v1, then switched to v2: their post-promotion watches probe from then on. */
  private void bringUp(List<String> namespaces) {
    List<Runnable> creates = new ArrayList<>();
    for (String ns : namespaces) {
      creates.add(() -> {
        ScaleFixtures.namespace(s.admin(), ns);
        s.target.serve(ns, Map.of("app.kubernetes.io/instance", "backend"), new FastApiBackend(ScaleFixtures.ORIGIN));
        s.admin().resource(ScaleFixtures.policy(ns)).create();
        s.admin().resource(ScaleFixtures.probedRelease(ns, "1.0.0", 2)).create();
      });
    }
    ScaleFixtures.parallel(4, creates);
    awaitAll(namespaces, ScaleFixtures::converged, "Healthy on v1");
    List<Runnable> updates = new ArrayList<>();
    namespaces.forEach(ns -> updates.add(() -> ScaleFixtures.update(s.admin(), AppRelease.class, ns, "backend",
        ar -> ar.getSpec().version = "2.0.0")));
    ScaleFixtures.parallel(4, updates);
    awaitAll(namespaces, ScaleFixtures::switched, "switched to v2");
    ScaleFixtures.sleep(5000);
  }

  private void measure(int live, double latencyWithout) {
    ProcessStats op = s.target.operator();
    String text = op.scrape();
    double checks0 = ProcessStats.sumIn(text, "turnout_health_checks_total");
    double fails0 = ProcessStats.sumIn(text, "turnout_health_checks_total", "outcome=\"fail\"");
    long n0 = System.nanoTime();
    java.time.Instant from = java.time.Instant.now();
    double latencyWith = s.noOp("under probe load (" + live + " watches)");
    double seconds = (System.nanoTime() - n0) / 1e9;
    text = op.scrape();
    double checks = ProcessStats.sumIn(text, "turnout_health_checks_total") - checks0;
    double fails = ProcessStats.sumIn(text, "turnout_health_checks_total", "outcome=\"fail\"") - fails0;
    s.report.line("probe load: %d releases (2 pods each) in their post-promotion window, checks every 1 s: %.0f checks/s"
        + " (%.0f HTTP probes/s, 2 endpoints per check) sustained over %.0f s, %.0f failed", live, checks / seconds,
        2 * checks / seconds, seconds, fails);
    List<OperatorRequests.Request> writes = s.target.requests().since(from).stream().filter(OperatorRequests.Request::isWrite)
        .filter(r -> r.namespace() != null && r.namespace().startsWith(PREFIX)).toList();
    s.report.line("  operator writes in the probed releases' namespaces meanwhile: %d %s", writes.size(),
        ScaleScenario.breakdown(writes));
    s.report.line("  AppRelease no-op reconcile mean: %.1f ms without probes, %.1f ms with %d watches", latencyWithout,
        latencyWith, live);
  }

  private void awaitAll(List<String> namespaces, java.util.function.Predicate<AppRelease> p, String what) {
    ScaleScenario.awaitAll(Duration.ofMinutes(15), () -> namespaces.stream().allMatch(ns -> {
      AppRelease ar = s.admin().resources(AppRelease.class).inNamespace(ns).withName("backend").get();
      return ar != null && p.test(ar);
    }), () -> "probe releases not all " + what);
  }
}
