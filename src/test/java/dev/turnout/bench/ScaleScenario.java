package dev.turnout.bench;

import dev.turnout.apprelease.AppRelease;
import dev.turnout.backup.DatabaseBackup;
import dev.turnout.healthpolicy.HealthPolicy;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The scale benchmark, the same on the embedded cluster and on the real tier: N AppReleases, N HealthPolicies and B
 * DatabaseBackups created at once against an operator running as a process of its own; how long until each kind has
 * converged, the operator's heap and RSS, its API writes while idle and per no-op reconcile, per full release of two
 * versions, and the requests between a switch's or a rollback's input and the Service write. Prints BENCH lines,
 * asserts nothing.
 */
final class ScaleScenario {
  /** Where the scenario runs: a cluster, the operator's requests as the API server saw them, the operator process. */
  interface Target {
    KubernetesClient admin();

    OperatorRequests requests();

    ProcessStats operator();

    String s3Endpoint();

    String s3Bucket();

    /** Serve HTTP on the pods matching the selector (the simulated kubelet's containers). */
    void serve(String namespace, Map<String, String> selector, com.sun.net.httpserver.HttpHandler handler);
  }

  static final String PREFIX = "bench-";
  final Target target;
  final int releases;
  final int backups;
  final List<String> namespaces = new ArrayList<>();
  final Report report = new Report();

  ScaleScenario(Target target, int releases, int backups) {
    this.target = target;
    this.releases = releases;
    this.backups = Math.min(backups, releases);
  }

  KubernetesClient admin() {
    return target.admin();
  }

  /** Creates everything at once and waits until each kind has converged. Returns when the creation started. */
  Instant createAndConverge() {
    List<Runnable> setup = new ArrayList<>();
    for (int i = 0; i < releases; i++) {
      String ns = PREFIX + i;
      namespaces.add(ns);
      setup.add(() -> ScaleFixtures.namespace(admin(), ns));
    }
    ScaleFixtures.parallel(4, setup);
    Instant t0 = Instant.now();
    long n0 = System.nanoTime();
    List<Runnable> creates = new ArrayList<>();
    for (int i = 0; i < releases; i++) {
      String ns = namespaces.get(i);
      boolean withBackup = i < backups;
      creates.add(() -> {
        admin().resource(ScaleFixtures.release(ns, "1.0.0", 1)).create();
        admin().resource(ScaleFixtures.policy(ns)).create();
        if (withBackup) {
          admin().resource(ScaleFixtures.backup(admin(), ns, target.s3Endpoint(), target.s3Bucket())).create();
        }
      });
    }
    ScaleFixtures.parallel(4, creates);
    double created = (System.nanoTime() - n0) / 1e9;
    double[] done = new double[3];
    awaitAll(Duration.ofMinutes(30), () -> {
      double now = (System.nanoTime() - n0) / 1e9;
      if (done[0] == 0 && count(AppRelease.class, ScaleFixtures::converged) >= releases) {
        done[0] = now;
      }
      if (done[1] == 0 && count(HealthPolicy.class, ScaleFixtures::converged) >= releases) {
        done[1] = now;
      }
      if (done[2] == 0 && count(DatabaseBackup.class, ScaleFixtures::converged) >= backups) {
        done[2] = now;
      }
      return done[0] > 0 && done[1] > 0 && done[2] > 0;
    }, () -> "converged: " + count(AppRelease.class, ScaleFixtures::converged) + " AppReleases, "
        + count(HealthPolicy.class, ScaleFixtures::converged) + " HealthPolicies, "
        + count(DatabaseBackup.class, ScaleFixtures::converged) + " DatabaseBackups");
    List<OperatorRequests.Request> reads = target.requests().since(t0).stream().filter(r -> !r.isWrite()).toList();
    report.line("operator reads (requests other than writes) from the first create until converged: %d %s", reads.size(),
        breakdown(reads));
    report.line("created %d AppReleases, %d HealthPolicies, %d DatabaseBackups (+ %d Secrets) in %.1f s (4 client threads)",
        releases, releases, backups, 2 * backups, created);
    report.line("converged, from the first create: %d AppReleases Healthy (live on blue, observedGeneration) %.1f s;"
        + " %d HealthPolicies Ready %.1f s; %d DatabaseBackups Ready + StorageReachable (CronJob applied, S3 listed) %.1f s",
        releases, done[0], releases, done[1], backups, done[2]);
    return t0;
  }

  <T extends io.fabric8.kubernetes.api.model.HasMetadata> long count(Class<T> type, Predicate<T> p) {
    return admin().resources(type).inAnyNamespace().list().getItems().stream()
        .filter(o -> o.getMetadata().getNamespace().startsWith(PREFIX)).filter(p).count();
  }

  /** Waits until the operator made no write (Leases and Events aside) for 3 s: settled, as IdleWrites judges it. */
  Instant settle() {
    awaitAll(Duration.ofMinutes(5), () -> target.requests().since(Instant.now().minusSeconds(3)).stream()
        .noneMatch(OperatorRequests.Request::isWrite), () -> "the operator still writes");
    return Instant.now();
  }

  /** Heap in use after a full GC, committed heap and RSS of the operator process; a class histogram above 256 MiB. */
  void memory(String when) {
    ProcessStats op = target.operator();
    long heap = op.heapAfterGc();
    report.line("operator memory %s: heap in use after a full GC %d MiB (target < 256), heap committed %d MiB, RSS %d MiB",
        when, heap >> 20, op.heapCommitted() >> 20, op.rss() >> 20);
    op.nativeBreakdown().forEach(l -> report.line("  %s", l));
    if (heap > 256L << 20 || Boolean.getBoolean("bench.histogram")) {
      op.histogram(25).forEach(l -> report.line("  histogram %s", l));
    }
  }

  /**
   * Writes per no-op reconcile, two ways: over an idle window (the periodic rechecks), then after touching every object
   * with an annotation (a change that is not a spec change: every controller reconciles, nothing is to be done).
   * Returns the AppRelease reconcile latency (mean, ms) of the touch round.
   */
  double noOp(String label) {
    ProcessStats op = target.operator();
    Instant from = settle();
    Map<String, Double> before = reconciles(op);
    ScaleFixtures.sleep(35_000);
    Map<String, Double> after = reconciles(op);
    List<OperatorRequests.Request> idle = writes(from);
    report.line("idle 35 s %s: %d operator writes (Leases, Events aside) over %s reconciles: %s", label, idle.size(),
        delta(before, after, "count"), breakdown(idle));

    before = reconciles(op);
    Instant touched = Instant.now();
    String token = Long.toString(System.nanoTime());
    List<Runnable> touches = new ArrayList<>();
    for (int i = 0; i < releases; i++) {
      String ns = namespaces.get(i);
      touches.add(() -> touch(AppRelease.class, ns, "backend", token));
      touches.add(() -> touch(HealthPolicy.class, ns, "backend-health", token));
      if (i < backups) {
        touches.add(() -> touch(DatabaseBackup.class, ns, "mongo-prod", token));
      }
    }
    ScaleFixtures.parallel(4, touches);
    Map<String, Double> b0 = before;
    // HealthPolicy's controller is generation-aware: an annotation does not make it reconcile, so only AppRelease and
    // DatabaseBackup (not generation-aware: they react to Secrets, annotations and owned objects) are waited for
    awaitAll(Duration.ofMinutes(5), () -> {
      Map<String, Double> now = reconciles(op);
      return now.get("AppRelease.count") - b0.get("AppRelease.count") >= releases
          && now.get("DatabaseBackup.count") - b0.get("DatabaseBackup.count") >= backups;
    },
        () -> "reconciles after the touch: " + delta(b0, reconciles(op), "count"));
    settle();
    after = reconciles(op);
    List<OperatorRequests.Request> touchWrites = writes(touched);
    double total = 0;
    for (String k : after.keySet()) {
      if (k.endsWith(".count")) {
        total += after.get(k) - before.getOrDefault(k, 0.0);
      }
    }
    double appCount = after.get("AppRelease.count") - before.get("AppRelease.count");
    double appMean = (after.get("AppRelease.sum") - before.get("AppRelease.sum")) * 1000 / appCount;
    report.line("touch %s: %d objects annotated, %.0f reconciles (%s), %d operator writes = %.3f per no-op reconcile (target 0)%s",
        label, touches.size(), total, delta(before, after, "count"), touchWrites.size(), touchWrites.size() / total,
        touchWrites.isEmpty() ? "" : ": " + breakdown(touchWrites));
    report.line("  AppRelease reconcile duration during the touch %s: mean %.1f ms over %.0f reconciles"
        + " (HealthPolicy: generation-aware, an annotation starts no reconcile)", label, appMean, appCount);
    return appMean;
  }

  <T extends io.fabric8.kubernetes.api.model.HasMetadata> void touch(Class<T> type, String ns, String name, String token) {
    ScaleFixtures.update(admin(), type, ns, name, o -> o.getMetadata().getAnnotations().put("bench.turnout.dev/touch", token));
  }

  static Map<String, Double> reconciles(ProcessStats op) {
    String text = op.scrape();
    Map<String, Double> m = new TreeMap<>();
    for (String kind : List.of("AppRelease", "HealthPolicy", "DatabaseBackup")) {
      m.put(kind + ".count", ProcessStats.sumIn(text, "turnout_reconcile_duration_seconds_count", "kind=\"" + kind + "\""));
      m.put(kind + ".sum", ProcessStats.sumIn(text, "turnout_reconcile_duration_seconds_sum", "kind=\"" + kind + "\""));
    }
    return m;
  }

  static String delta(Map<String, Double> before, Map<String, Double> after, String suffix) {
    return after.keySet().stream().filter(k -> k.endsWith("." + suffix))
        .map(k -> k.substring(0, k.indexOf('.')) + " " + Math.round(after.get(k) - before.getOrDefault(k, 0.0)))
        .collect(Collectors.joining(", "));
  }

  /** The operator's writes in the benchmark's namespaces since the instant. */
  List<OperatorRequests.Request> writes(Instant since) {
    return target.requests().since(since).stream().filter(OperatorRequests.Request::isWrite)
        .filter(r -> r.namespace() == null || r.namespace().startsWith(PREFIX)).toList();
  }

  static String breakdown(List<OperatorRequests.Request> requests) {
    return requests.stream().collect(Collectors.groupingBy(OperatorRequests.Request::what, TreeMap::new, Collectors.counting()))
        .toString();
  }

  static void awaitAll(Duration timeout, java.util.concurrent.Callable<Boolean> done, Supplier<String> state) {
    Instant start = Instant.now();
    Instant end = start.plus(timeout);
    Instant nextProgress = start.plusSeconds(60);
    try {
      while (!done.call()) {
        if (Instant.now().isAfter(end)) {
          throw new IllegalStateException("timed out after " + timeout + "; " + state.get());
        }
        if (Instant.now().isAfter(nextProgress)) {
          // a long wait says where it is, to tell a slow run from a stuck one
          System.out.printf("PROGRESS %ds: %s (load average %s)%n", Duration.between(start, Instant.now()).toSeconds(),
              state.get(), ScaleRun.loadAverage());
          nextProgress = nextProgress.plusSeconds(60);
        }
        Thread.sleep(1000);
      }
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** BENCH lines, printed as they come and kept for the end. */
  static final class Report {
    final List<String> lines = new ArrayList<>();

    void line(String format, Object... args) {
      String l = "BENCH   " + String.format(format, args);
      lines.add(l);
      System.out.println(l);
    }
  }
}
