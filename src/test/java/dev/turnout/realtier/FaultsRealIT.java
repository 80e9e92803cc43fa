package dev.turnout.realtier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.turnout.apprelease.AppRelease;
import dev.turnout.backup.DatabaseBackup;
import dev.turnout.backup.DatabaseBackupStatus;
import dev.turnout.backup.agent.S3TestServer;
import dev.turnout.common.Labels;
import dev.turnout.common.LocalObjectRef;
import dev.turnout.common.Times;
import dev.turnout.mongo.MongoServerFixture;
import dev.turnout.mongo.MongoToolScripts;
import dev.turnout.restore.DatabaseRestore;
import dev.turnout.restore.DatabaseRestoreStatus;
import dev.turnout.sim.FastApiBackend;
import dev.turnout.testing.HealthPolicies;
import dev.turnout.testing.OperatorProcess;
import dev.turnout.testing.Releases;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * Issue 13's faults on the real control plane. The tier's operator is stopped; another process of the same jar, with
 * the chart's identity, talks to the API server through {@link FaultProxy}, which injects 409s, 500s (before and
 * after the write was applied), closed connections, slow answers, dropped watches and outages. A release (with a
 * third revision whose gate fails), a revert, two backups and a restore run under faults in this class's namespace,
 * and the same scenarios run at the same time, undisturbed by request faults, in a twin namespace; both must end
 * equal ({@link EndState}), traffic never goes to a color that is not ready or a revision whose gates failed
 * ({@link TrafficWatch}), and no verified backup disappears from the catalog or the bucket. Then two replicas, both
 * through the proxy: the leader is killed mid-release and the stand-by finishes it; last, still under faults, the new
 * leader writes nothing over an idle window in every namespace of the class. Isolated: it stops the tier's operator
 * (started again after the class). docs/testing.md describes the faults and what is asserted.
 */
@Isolated
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultsRealIT {
  static final Duration WAIT = Duration.ofSeconds(180);
  static final String ORIGIN = "https://app.example";
  @RegisterExtension static final RealNamespace NS = new RealNamespace();
  static FaultProxy proxy;
  static OperatorProcess leader;
  static OperatorProcess standby;
  static TrafficWatch traffic;
  static S3TestServer s3server;
  static MongoToolScripts.Tools tools;
  static final List<AutoCloseable> closing = new ArrayList<>();
  static String calm;

  static KubernetesClient client() {
    return NS.tier().admin();
  }

  static ConditionFactory polling() {
    return await().atMost(WAIT).pollInterval(Duration.ofMillis(500))
        .ignoreExceptionsInstanceOf(NullPointerException.class);
  }

  @BeforeAll
  static void start() throws Exception {
    RealTier tier = NS.tier();
    long seed = Long.getLong("turnout.faults.seed", System.nanoTime());
    System.out.println("FaultsRealIT: fault seed " + seed + " (rerun with -Dturnout.faults.seed=" + seed + ")");
    proxy = new FaultProxy(tier.plane().url(), tier.plane().caPem(), seed);
    traffic = new TrafficWatch(client());
    s3server = new S3TestServer();
    tools = MongoToolScripts.install(Files.createTempDirectory("turnout-faults"));
    calm = NS.name() + "-calm";
    for (String ns : List.of(calm, NS.name() + "-staging", calm + "-staging")) {
      client().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns)
          .addToLabels("turnout.dev/test", "real-tier").endMetadata().build()).create();
    }
    proxy.plan.calm.addAll(List.of(calm, calm + "-staging"));
    Set<String> ours = Set.of(NS.name(), NS.name() + "-staging", calm, calm + "-staging");
    tier.simulator().jobs().when(j -> ours.contains(j.getMetadata().getNamespace())).run(AgentPods.runner(client(), tools));
    tier.operator().close(); // the tier's own operator steps aside; @AfterAll starts it again
    leader = tier.startOperatorAs(tier.identity().through(proxy.url(), RealTier.WORK.resolve("faults.kubeconfig")),
        Map.of("HOSTNAME", "turnout-faults-a"), "operator-faults-a.log");
  }

  @AfterAll
  static void stop() throws Exception {
    for (OperatorProcess p : new OperatorProcess[] {leader, standby}) {
      if (p != null) {
        p.close();
      }
    }
    traffic.close();
    proxy.close();
    for (AutoCloseable c : closing) {
      c.close();
    }
    s3server.close();
    for (String ns : List.of(calm, NS.name() + "-staging", calm + "-staging")) {
      client().namespaces().withName(ns).delete();
    }
    NS.tier().startOperator();
  }

  @Test
  @Order(1)
  void aReleaseARevertABackupAndARestoreUnderFaultsEndAsUndisturbedOnes() throws Exception {
    Instant from = Instant.now();
    proxy.plan.active = true;
    ExecutorService pool = Executors.newFixedThreadPool(6);
    List<Future<?>> runs = new ArrayList<>();
    for (String ns : List.of(NS.name(), calm)) {
      runs.add(pool.submit(() -> release(ns)));
      runs.add(pool.submit(() -> revert(ns)));
      runs.add(pool.submit(() -> backupAndRestore(ns)));
    }
    pool.shutdown();
    try {
      for (Future<?> run : runs) {
        run.get(8, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
      System.out.println("FaultsRealIT: after " + Duration.between(from, Instant.now()).toSeconds() + " s, "
          + proxy.requests() + " requests through the proxy, injected " + proxy.counts());
    }
    assertThat(traffic.violations()).as("traffic to a color that had not passed its gates").isEmpty();
    assertThat(EndState.of(client(), NS.name(), NS.name() + "-staging"))
        .as("end state under faults vs undisturbed")
        .isEqualTo(EndState.of(client(), calm, calm + "-staging"));
    assertThat(proxy.counts()).as("a fault run that injected nothing proves nothing").allSatisfy((kind, n) ->
        assertThat(n).as(kind.toString()).isPositive());
    // the idle check comes at the end of the class, still under faults, once the second replica has taken over
  }

  /** v1, v2 gated by a passing HealthPolicy and promoted, then v3 whose gate fails: never selected, Failed. */
  void release(String ns) {
    FastApiBackend blue = backends(ns, "rel");
    policy(ns, "rel", 10);
    traffic.bad(ns, "rel", "3");
    create(ns, "rel", a -> { });
    Releases.update(client(), ns, "rel", a -> a.getSpec().version = "1.1.0");
    polling().untilAsserted(() -> {
      assertThat(activeColor(ns, "rel")).isEqualTo("green");
      assertThat(status(ns, "rel").activeRevision).isEqualTo(2L);
      assertThat(status(ns, "rel").switchConvergedAt).isNotNull();
    });
    Instant windowEnd = Times.parse(status(ns, "rel").switchConvergedAt).plusSeconds(12);
    polling().until(() -> Instant.now().isAfter(windowEnd) && "Healthy".equals(status(ns, "rel").phase));
    blue.mode(FastApiBackend.Mode.DATABASE_DOWN);
    Releases.update(client(), ns, "rel", a -> {
      a.getSpec().version = "3.0.0";
      a.getSpec().strategy.progressDeadlineSeconds = 25;
    });
    polling().failFast("traffic left green", () -> !"green".equals(activeColor(ns, "rel"))).untilAsserted(() -> {
      assertThat(status(ns, "rel").phase).isEqualTo("Failed");
      assertThat(status(ns, "rel").history.get(0).outcome).isEqualTo("Failed");
    });
  }

  /** v1, v2 promoted, then v2's health fails inside the post-promotion window: reverted to v1. */
  void revert(String ns) {
    backends(ns, "rev");
    FastApiBackend green = (FastApiBackend) greens.get(ns + "/rev");
    policy(ns, "rev", 600);
    create(ns, "rev", a -> { });
    Releases.update(client(), ns, "rev", a -> a.getSpec().version = "1.1.0");
    polling().untilAsserted(() -> {
      assertThat(activeColor(ns, "rev")).isEqualTo("green");
      assertThat(status(ns, "rev").switchConvergedAt).isNotNull();
    });
    green.mode(FastApiBackend.Mode.DATABASE_DOWN);
    polling().untilAsserted(() -> {
      assertThat(activeColor(ns, "rev")).isEqualTo("blue");
      assertThat(status(ns, "rev").phase).isEqualTo("RolledBack");
      assertThat(status(ns, "rev").history.get(0).outcome).isEqualTo("RolledBack");
    });
  }

  /** Two on-demand backups of prod, both verified and kept; then the documented staging refresh from "latest". */
  void backupAndRestore(String ns) {
    try {
      MongoServerFixture prod = new MongoServerFixture();
      MongoServerFixture stagingDb = new MongoServerFixture();
      synchronized (closing) {
        closing.add(prod);
        closing.add(stagingDb);
      }
      prod.seed("auto_author", "users", 5);
      prod.seed("auto_author", "books", 20);
      prod.seed("billing", "invoices", 7);
      String staging = ns + "-staging";
      BackupFixtures.secrets(client(), ns, prod.uri("auto_author"), stagingDb.uri("auto_author_staging"));
      BackupFixtures.secrets(client(), staging, prod.uri("auto_author"), stagingDb.uri("auto_author_staging"));
      String bucket = s3server.newBucket();
      client().resource(BackupFixtures.sample(client(), ns, "db", s3server.endpoint(), bucket, "0 3 1 1 *")).create();
      polling().untilAsserted(() -> assertThat(backup(ns).conditions)
          .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True")));
      String before = null;
      for (String token : List.of("first", "second")) {
        String previous = before;
        await().atMost(WAIT).ignoreExceptionsInstanceOf(KubernetesClientException.class).until(() -> {
          DatabaseBackup b = client().resources(DatabaseBackup.class).inNamespace(ns).withName("db").get();
          if (b.getMetadata().getAnnotations() == null) {
            b.getMetadata().setAnnotations(new java.util.HashMap<>());
          }
          b.getMetadata().getAnnotations().put(Labels.BACKUP_NOW, token);
          client().resource(b).update();
          return true;
        });
        // the token is taken when the Job starts: wait for this Job's backup, not the previous one
        polling().untilAsserted(() -> {
          assertThat(backup(ns).lastBackupNowToken).isEqualTo(token);
          assertThat(backup(ns).lastSuccessfulBackup.object).isNotEqualTo(previous);
          assertThat(backup(ns).lastSuccessfulBackup.verified).isTrue();
        });
        before = backup(ns).lastSuccessfulBackup.object;
      }
      // retention (daily: 7) keeps the newest of the day: the second, verified; the first is pruned, in both runs
      polling().untilAsserted(() -> assertThat(backup(ns).backups).extracting(r -> r.object)
          .containsExactly(backup(ns).lastSuccessfulBackup.object));
      client().resource(BackupFixtures.stagingRestore(staging, "refresh", ns, "db")).create();
      polling().untilAsserted(() -> assertThat(restore(staging).phase).isIn("Succeeded", "Failed"));
      assertThat(restore(staging).phase).as(restore(staging).message).isEqualTo("Succeeded");
      assertThat(restore(staging).restored).isEqualTo(Map.of("auto_author_staging.users", 5L, "auto_author_staging.books", 20L));
      assertThat(stagingDb.counts()).isEqualTo(Map.of("auto_author_staging.users", 5L, "auto_author_staging.books", 20L));
      // no verified backup pruned: each catalog entry's archive is still in the bucket
      assertThat(BackupFixtures.keys(s3server, bucket)).containsAll(backup(ns).backups.stream().map(r -> r.object).toList());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  @Order(2)
  void killingTheLeaderMidReleaseHandsOverToTheStandbyWhichFinishesIt() throws Exception {
    String ns = NS.name();
    RealTier tier = NS.tier();
    // the stand-by talks through the proxy too: the faults go on through the handover and the idle check. It starts
    // without them: JOSDK stops the process when an informer's first list fails (its Deployment would restart it)
    proxy.plan.active = false;
    standby = tier.startOperatorAs(tier.identity().through(proxy.url(), RealTier.WORK.resolve("faults.kubeconfig")),
        Map.of("HOSTNAME", "turnout-faults-b"), "operator-faults-b.log");
    proxy.plan.active = true;
    await().atMost(Duration.ofSeconds(30)).until(() -> leading(leader) == 1 && leading(standby) == 0);
    create(ns, "ha", a -> { });
    tier.simulator().setReady(ns, Releases.color("ha", "green"), false);
    Releases.update(client(), ns, "ha", a -> a.getSpec().version = "1.1.0");
    polling().untilAsserted(() -> {
      assertThat(status(ns, "ha").currentRevision).isEqualTo(2L);
      assertThat(client().apps().deployments().inNamespace(ns).withName("ha-green").get()).isNotNull();
    });
    assertThat(leading(standby)).as("turnout_leader of the stand-by before the kill").isZero();
    Instant killed = Instant.now();
    leader.kill(); // kill -9 mid-rollout, before the switch
    tier.simulator().setReady(ns, Releases.color("ha", "green"), true);
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> leading(standby) == 1);
    Duration handover = Duration.between(killed, Instant.now());
    System.out.println("FaultsRealIT: the stand-by leads " + handover.toMillis() + " ms after the leader's kill -9");
    polling().untilAsserted(() -> {
      assertThat(activeColor(ns, "ha")).isEqualTo("green");
      assertThat(status(ns, "ha").activeRevision).isEqualTo(2L);
      assertThat(status(ns, "ha").phase).isEqualTo("Healthy");
    });
    assertThat(status(ns, "ha").history).extracting(h -> h.revision + ":" + h.outcome)
        .as("one entry per revision").hasSize(2).startsWith("2:Promoted").doesNotHaveDuplicates();
    assertThat(traffic.switches(ns, "ha")).extracting(TrafficWatch.Switch::to).as("no double switch")
        .containsExactly("blue", "green");
    assertThat(tier.lease().getSpec().getHolderIdentity()).isEqualTo("turnout-faults-b");
    assertThat(traffic.violations()).isEmpty();
    // a HealthPolicy drops a finished release's probes 90 s after the last reconcile asked (PolicyHealthGate.IDLE)
    // and writes its status once then: wait for that write, then nothing more may come from the new leader, which
    // has reconciled everything the first test left, under faults (watches dropped, outages: a re-list writes nothing)
    polling().untilAsserted(() -> {
      for (String where : List.of(ns, calm)) {
        for (String policy : List.of("rel-health", "rev-health")) {
          assertThat(client().resources(dev.turnout.healthpolicy.HealthPolicy.class).inNamespace(where).withName(policy)
              .get().getStatus().releases).as(where + "/" + policy + " status.releases").isEmpty();
        }
      }
    });
    IdleWrites.assertNone(tier, ns, ns + "-staging", calm, calm + "-staging");
    System.out.println("FaultsRealIT: " + proxy.requests() + " requests through the proxy, injected " + proxy.counts());
    assertThat(traffic.violations()).isEmpty();
  }

  // --- helpers -----------------------------------------------------------------------------------------------

  final Map<String, Object> greens = new java.util.concurrent.ConcurrentHashMap<>();

  /** Healthy backends on both colors of release {@code name}; returns blue's (green's is in {@link #greens}). */
  FastApiBackend backends(String ns, String name) {
    FastApiBackend blue = new FastApiBackend(ORIGIN);
    FastApiBackend green = new FastApiBackend(ORIGIN);
    NS.tier().simulator().serve(ns, Releases.color(name, "blue"), blue);
    NS.tier().simulator().serve(ns, Releases.color(name, "green"), green);
    greens.put(ns + "/" + name, green);
    return blue;
  }

  void policy(String ns, String name, int windowSeconds) {
    var policy = HealthPolicies.backendHealth(ns, ORIGIN, spec -> spec.postPromotion.windowSeconds = windowSeconds);
    policy.getMetadata().setName(name + "-health");
    client().resource(policy).create();
  }

  /** Release {@code name} at 1.0.0 (2 replicas), gated by {@code name-health} when that exists, live on blue. */
  void create(String ns, String name, java.util.function.Consumer<AppRelease> change) {
    AppRelease ar = Releases.backend(ns, "1.0.0", 2);
    ar.getMetadata().setName(name);
    if (greens.containsKey(ns + "/" + name)) {
      ar.getSpec().healthPolicyRef = new LocalObjectRef(name + "-health");
    }
    change.accept(ar);
    traffic.track(ns, name);
    client().resource(ar).create();
    polling().untilAsserted(() -> {
      assertThat(activeColor(ns, name)).isEqualTo("blue");
      assertThat(status(ns, name).phase).isEqualTo("Healthy");
    });
  }

  static dev.turnout.apprelease.AppReleaseStatus status(String ns, String name) {
    return client().resources(AppRelease.class).inNamespace(ns).withName(name).get().getStatus();
  }

  static String activeColor(String ns, String name) {
    var s = client().services().inNamespace(ns).withName(name).get();
    return s == null ? null : s.getSpec().getSelector().get(Labels.COLOR);
  }

  static DatabaseBackupStatus backup(String ns) {
    DatabaseBackup b = client().resources(DatabaseBackup.class).inNamespace(ns).withName("db").get();
    return b.getStatus() == null ? new DatabaseBackupStatus() : b.getStatus();
  }

  static DatabaseRestoreStatus restore(String staging) {
    DatabaseRestore r = client().resources(DatabaseRestore.class).inNamespace(staging).withName("refresh").get();
    return r == null || r.getStatus() == null ? new DatabaseRestoreStatus() : r.getStatus();
  }

  /** The process's turnout_leader gauge from its /q/metrics, or -1 when it does not answer. */
  static int leading(OperatorProcess p) {
    try {
      var http = java.net.http.HttpClient.newHttpClient();
      String body = http.send(java.net.http.HttpRequest.newBuilder(p.url("/q/metrics")).timeout(Duration.ofSeconds(3)).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString()).body();
      return body.lines().filter(l -> l.startsWith("turnout_leader ") || l.startsWith("turnout_leader{"))
          .map(l -> (int) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst().orElse(-1);
    } catch (Exception e) {
      return -1;
    }
  }
}
