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
import dev.turnout.restore.DatabaseRestore;
import dev.turnout.restore.DatabaseRestoreStatus;
import dev.turnout.sim.FastApiBackend;
import dev.turnout.testing.HealthPolicies;
import dev.turnout.testing.Releases;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.awaitility.core.ConditionFactory;

/**
 * The scenarios FaultsRealIT runs twice at once, under faults and undisturbed, each in the namespace it is given: a
 * gated release with a third revision whose gate fails, a revert, two backups and a restore. Each waits for what a
 * user would see at every step (so "nothing lost": every step's marker is reached) and registers its active Services
 * with the {@link TrafficWatch}.
 */
final class FaultScenarios {
  static final Duration WAIT = Duration.ofSeconds(180);
  static final String ORIGIN = "https://app.example";
  private final RealTier tier;
  private final TrafficWatch traffic;
  private final S3TestServer s3server;
  private final List<AutoCloseable> closing;

  FaultScenarios(RealTier tier, TrafficWatch traffic, S3TestServer s3server, List<AutoCloseable> closing) {
    this.tier = tier;
    this.traffic = traffic;
    this.s3server = s3server;
    this.closing = closing;
  }

  KubernetesClient client() {
    return tier.admin();
  }

  static ConditionFactory polling() {
    return await().atMost(WAIT).pollInterval(Duration.ofMillis(500))
        .ignoreExceptionsInstanceOf(NullPointerException.class);
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
  // --- helpers -----------------------------------------------------------------------------------------------

  final Map<String, Object> greens = new java.util.concurrent.ConcurrentHashMap<>();

  /** Healthy backends on both colors of release {@code name}; returns blue's (green's is in {@link #greens}). */
  FastApiBackend backends(String ns, String name) {
    FastApiBackend blue = new FastApiBackend(ORIGIN);
    FastApiBackend green = new FastApiBackend(ORIGIN);
    tier.simulator().serve(ns, Releases.color(name, "blue"), blue);
    tier.simulator().serve(ns, Releases.color(name, "green"), green);
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

  dev.turnout.apprelease.AppReleaseStatus status(String ns, String name) {
    return client().resources(AppRelease.class).inNamespace(ns).withName(name).get().getStatus();
  }

  String activeColor(String ns, String name) {
    var s = client().services().inNamespace(ns).withName(name).get();
    return s == null ? null : s.getSpec().getSelector().get(Labels.COLOR);
  }

  DatabaseBackupStatus backup(String ns) {
    DatabaseBackup b = client().resources(DatabaseBackup.class).inNamespace(ns).withName("db").get();
    return b.getStatus() == null ? new DatabaseBackupStatus() : b.getStatus();
  }

  DatabaseRestoreStatus restore(String staging) {
    DatabaseRestore r = client().resources(DatabaseRestore.class).inNamespace(staging).withName("refresh").get();
    return r == null || r.getStatus() == null ? new DatabaseRestoreStatus() : r.getStatus();
  }
}
