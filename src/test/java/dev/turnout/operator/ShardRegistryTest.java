package dev.turnout.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.turnout.sim.EmbeddedCluster;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The start-up check against an API server (the embedded one): records, Leases alive, dead and silent, and the
 * refusal's message. Lease durations are short here (2 s) so a silent Lease expires within the test.
 */
class ShardRegistryTest {
  static EmbeddedCluster cluster;
  static KubernetesClient client;
  static int namespaces;

  @BeforeAll
  static void start() {
    cluster = EmbeddedCluster.start();
    client = cluster.client();
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  /** Each test in a namespace of its own: the records of one never meet another's. */
  static String namespace() {
    return "turnout-system-" + (++namespaces);
  }

  static ShardRegistry registry(String ns) {
    return new ShardRegistry(client, ns, Clock.systemUTC(), Duration.ofMillis(200));
  }

  static Shard shard(String name, String namespaces, String selector) {
    return new Shard(name, selector, ShardScope.of(namespaces, selector));
  }

  /** Another shard as a running instance leaves it: its record, and its leader Lease renewed {@code ago}. */
  static void otherShard(String ns, Shard other, String leaseName, Duration ago) {
    new ShardRegistry(client, ns, Clock.systemUTC(), Duration.ofMillis(200)).record(other, leaseName);
    client.leases().inNamespace(ns).resource(new LeaseBuilder().withNewMetadata().withName(leaseName).endMetadata()
        .withNewSpec().withHolderIdentity("pod-of-" + leaseName).withLeaseDurationSeconds(2)
        .withRenewTime(now().minus(ago)).endSpec().build()).create();
  }

  static ZonedDateTime now() {
    return ZonedDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS);
  }

  @Test
  void recordsItselfOnceAndAgainOnlyWhenItsSettingsChange() throws Exception {
    String ns = namespace();
    registry(ns).checkAndRecord(shard("a", null, "turnout.dev/shard=a"), "turnout-operator-lock-a", Duration.ofSeconds(2));
    Lease record = client.leases().inNamespace(ns).withName("turnout-operator-lock-a-shard").get();
    assertThat(record.getMetadata().getLabels()).containsEntry(ShardRegistry.RECORD_LABEL, "true");
    assertThat(record.getMetadata().getAnnotations()).containsAllEntriesOf(Map.of(ShardRegistry.NAME, "a",
        ShardRegistry.SELECTOR, "turnout.dev/shard=a", ShardRegistry.NAMESPACES, "*",
        ShardRegistry.LEADER_LEASE, "turnout-operator-lock-a"));

    registry(ns).checkAndRecord(shard("a", null, "turnout.dev/shard=a"), "turnout-operator-lock-a", Duration.ofSeconds(2));
    assertThat(client.leases().inNamespace(ns).withName("turnout-operator-lock-a-shard").get().getMetadata().getResourceVersion())
        .as("a restart with the same settings writes nothing").isEqualTo(record.getMetadata().getResourceVersion());

    registry(ns).checkAndRecord(shard("a", "team-a", "turnout.dev/shard=a"), "turnout-operator-lock-a", Duration.ofSeconds(2));
    assertThat(client.leases().inNamespace(ns).withName("turnout-operator-lock-a-shard").get().getMetadata().getAnnotations())
        .containsEntry(ShardRegistry.NAMESPACES, "team-a");
  }

  @Test
  void refusesWhenALiveShardCanOverlap() throws Exception {
    String ns = namespace();
    otherShard(ns, shard("a", null, "turnout.dev/shard=a"), "turnout-operator-lock-a", Duration.ZERO);
    // the other shard's leader keeps renewing, as JOSDK does every retry period
    ScheduledExecutorService renewer = Executors.newSingleThreadScheduledExecutor();
    renewer.scheduleAtFixedRate(() -> client.leases().inNamespace(ns).withName("turnout-operator-lock-a")
        .edit(l -> new LeaseBuilder(l).editSpec().withRenewTime(now()).endSpec().build()), 300, 300, TimeUnit.MILLISECONDS);
    try {
      assertThatThrownBy(() -> registry(ns).checkAndRecord(shard("c", null, "turnout.dev/shard in (a,c)"),
          "turnout-operator-lock-c", Duration.ofSeconds(2)))
          .isInstanceOf(ShardRegistry.OverlapException.class)
          .hasMessageContaining("refusing to start")
          .hasMessageContaining("shard c")
          .hasMessageContaining("shard a")
          .hasMessageContaining("turnout-operator-lock-a held by pod-of-turnout-operator-lock-a");
    } finally {
      renewer.shutdownNow();
    }
    assertThat(client.leases().inNamespace(ns).withName("turnout-operator-lock-c-shard").get())
        .as("a refused instance records nothing").isNull();
  }

  @Test
  void theUnshardedOperatorOverlapsEveryShard() throws Exception {
    String ns = namespace();
    otherShard(ns, shard("", null, ""), "turnout-operator-lock", Duration.ZERO);
    ScheduledExecutorService renewer = Executors.newSingleThreadScheduledExecutor();
    renewer.scheduleAtFixedRate(() -> client.leases().inNamespace(ns).withName("turnout-operator-lock")
        .edit(l -> new LeaseBuilder(l).editSpec().withRenewTime(now()).endSpec().build()), 300, 300, TimeUnit.MILLISECONDS);
    try {
      assertThatThrownBy(() -> registry(ns).checkAndRecord(shard("b", "team-b", "turnout.dev/shard=b"),
          "turnout-operator-lock-b", Duration.ofSeconds(2)))
          .isInstanceOf(ShardRegistry.OverlapException.class).hasMessageContaining("the operator without a shard name (namespaces *, selector (everything)");
    } finally {
      renewer.shutdownNow();
    }
  }

  @Test
  void startsBesideALiveShardItCannotOverlap() throws Exception {
    String ns = namespace();
    otherShard(ns, shard("a", null, "turnout.dev/shard=a"), "turnout-operator-lock-a", Duration.ZERO);
    otherShard(ns, shard("x", "team-x", ""), "turnout-operator-lock-x", Duration.ZERO);
    registry(ns).checkAndRecord(shard("b", "team-b", "turnout.dev/shard=b"), "turnout-operator-lock-b", Duration.ofSeconds(2));
    assertThat(client.leases().inNamespace(ns).withName("turnout-operator-lock-b-shard").get()).isNotNull();
  }

  @Test
  void anExpiredLeaseIsNoLiveShard() throws Exception {
    String ns = namespace();
    otherShard(ns, shard("", null, ""), "turnout-operator-lock", Duration.ofSeconds(30));
    registry(ns).checkAndRecord(shard("a", null, "turnout.dev/shard=a"), "turnout-operator-lock-a", Duration.ofSeconds(2));
    assertThat(client.leases().inNamespace(ns).withName("turnout-operator-lock-a-shard").get()).isNotNull();
  }

  @Test
  void aFreshLeaseNobodyRenewsIsWaitedOut() throws Exception {
    // the instance killed a moment ago: its Lease looks held for up to its duration, and is never renewed again
    String ns = namespace();
    otherShard(ns, shard("", null, ""), "turnout-operator-lock", Duration.ZERO);
    long started = System.nanoTime();
    registry(ns).checkAndRecord(shard("a", null, "turnout.dev/shard=a"), "turnout-operator-lock-a", Duration.ofSeconds(2));
    assertThat(Duration.ofNanos(System.nanoTime() - started)).as("waited for the Lease to expire")
        .isGreaterThanOrEqualTo(Duration.ofMillis(1500));
    assertThat(client.leases().inNamespace(ns).withName("turnout-operator-lock-a-shard").get()).isNotNull();
  }

  @Test
  void itsOwnShardIsNoRival() throws Exception {
    // another replica of the same shard (same Lease) is running: the rolling update of a shard must start
    String ns = namespace();
    otherShard(ns, shard("a", null, "turnout.dev/shard=a"), "turnout-operator-lock-a", Duration.ZERO);
    registry(ns).checkAndRecord(shard("a", null, "turnout.dev/shard in (a,a2)"), "turnout-operator-lock-a", Duration.ofSeconds(2));
    assertThat(client.leases().inNamespace(ns).withName("turnout-operator-lock-a-shard").get().getMetadata().getAnnotations())
        .containsEntry(ShardRegistry.SELECTOR, "turnout.dev/shard in (a,a2)");
  }
}
