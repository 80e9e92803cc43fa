package dev.turnout.bench;

import io.fabric8.kubernetes.client.Config;
import java.time.Duration;
import java.time.Instant;

/** The order of the scale benchmark's parts, shared by the embedded ({@link ScaleBenchmark}) and real-tier runs. */
final class ScaleRun {
  private ScaleRun() {}

  /** Restarts the operator process and returns how long the new one took to be ready. */
  interface Restart {
    Duration restart() throws Exception;
  }

  static ScaleScenario run(ScaleScenario.Target target, Config observerConfig, Restart restart) throws Exception {
    int releases = Integer.getInteger("bench.releases", 1000);
    int backups = Integer.getInteger("bench.backups", Math.max(1, releases / 10));
    int probed = Integer.getInteger("bench.probeReleases", Math.min(100, releases));
    int rollbacks = Integer.getInteger("bench.rollbacks", Math.min(20, releases));
    ScaleScenario s = new ScaleScenario(target, releases, backups);
    s.report.line("scale: %d AppReleases (1 pod per color), %d HealthPolicies, %d DatabaseBackups; %d probed releases;"
        + " nproc %d, load average %s at %s", releases, releases, s.backups, probed,
        Runtime.getRuntime().availableProcessors(), loadAverage(), Instant.now());
    try (ClusterObserver seen = new ClusterObserver(observerConfig, ScaleScenario.PREFIX)) {
      Instant created = s.createAndConverge();
      Instant settled = s.settle();
      s.memory("after convergence");
      double quiet = s.noOp("without probe load");
      ReleasePhase release = new ReleasePhase(s);
      release.run(seen, created, settled);
      s.memory("after all switched (both colors' Deployments kept)");
      release.rollbackRoundTrips(rollbacks);
      if (probed > 0) {
        new ProbeLoad(s, probed).run(quiet);
      }
    }
    long n0 = System.nanoTime();
    Duration up = restart.restart();
    // ready is not leading: the new process may wait for the Lease of the one stopped (released on a clean stop)
    ScaleScenario.awaitAll(Duration.ofMinutes(2), () -> target.operator().sum("turnout_leader") == 1, () -> "not the leader");
    double leader = (System.nanoTime() - n0) / 1e9;
    s.report.line("start-up to ready with all of the above in the cluster: %.1f s (restarted process), leader after %.1f s;"
        + " load average %s", up.toMillis() / 1000.0, leader, loadAverage());
    Instant after = Instant.now();
    ScaleFixtures.sleep(30_000);
    s.report.line("  operator writes in the 30 s after that restart (nothing changed): %d %s", s.writes(after).size(),
        ScaleScenario.breakdown(s.writes(after)));
    s.memory("30 s after the restart");
    return s;
  }

  static String loadAverage() {
    try {
      String[] f = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (java.io.IOException e) {
      return "?";
    }
  }
}
