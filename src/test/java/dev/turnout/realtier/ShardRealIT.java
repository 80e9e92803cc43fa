package dev.turnout.realtier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.turnout.apprelease.AppRelease;
import dev.turnout.apprelease.AppReleaseStatus;
import dev.turnout.common.Labels;
import dev.turnout.testing.OperatorProcess;
import dev.turnout.testing.Releases;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * Sharding on the real control plane (docs/operations.md, "Sharding"): two installs of the chart in turnout-system,
 * rendered with shard.name a and b and labelSelector turnout.dev/shard=a and =b, each running as the jar with its own
 * ServiceAccount token and env (the tier's unsharded operator is stopped for the class: it would overlap both, and
 * started again after it). Each shard releases only the AppReleases labelled for it (the audit log says who wrote
 * what), an unlabelled one is left to nobody, and a third instance whose selector can select shard a's objects
 * refuses to start while a runs.
 */
@Isolated
class ShardRealIT {
  static final Duration WAIT = Duration.ofSeconds(90);
  @RegisterExtension static final RealNamespace NS = new RealNamespace();
  static ChartIdentity idA;
  static ChartIdentity idB;
  static OperatorProcess a;
  static OperatorProcess b;
  static AuditLog auditA;
  static AuditLog auditB;

  @BeforeAll
  static void startTwoShards() throws Exception {
    RealTier tier = NS.tier();
    tier.killOperator();
    idA = ChartIdentity.install(tier.plane(), RealTier.workDir().resolve("operator-shard-a.kubeconfig"), "turnout-shard-a",
        "shard.name", "a", "shard.labelSelector", "turnout.dev/shard=a");
    idB = ChartIdentity.install(tier.plane(), RealTier.workDir().resolve("operator-shard-b.kubeconfig"), "turnout-shard-b",
        "shard.name", "b", "shard.labelSelector", "turnout.dev/shard=b");
    auditA = new AuditLog(tier.plane().auditLog(), idA.userName());
    auditB = new AuditLog(tier.plane().auditLog(), idB.userName());
    // the killed operator's Lease looks held for up to 15 s: shard a waits it out (ShardRegistry), b starts beside a
    a = tier.startOperatorAs(idA, Map.of(), "operator-shard-a.log");
    b = tier.startOperatorAs(idB, Map.of(), "operator-shard-b.log");
  }

  @AfterAll
  static void backToTheUnshardedOperator() throws Exception {
    for (OperatorProcess p : new OperatorProcess[] {a, b}) {
      if (p != null) {
        p.close();
      }
    }
    NS.tier().startOperator();
  }

  @AfterEach
  void noRequestRefusedNoSpecWritten() {
    for (AuditLog audit : List.of(auditA, auditB)) {
      assertThat(audit.operatorForbidden()).as("requests of a shard refused with 403").isEmpty();
      assertThat(audit.operatorSpecWrites(ns -> ns.startsWith(NS.name()))).as("spec writes of a shard").isEmpty();
    }
  }

  KubernetesClient client() {
    return NS.tier().admin();
  }

  AppReleaseStatus status(String name) {
    AppRelease ar = client().resources(AppRelease.class).inNamespace(NS.name()).withName(name).get();
    return ar == null ? null : ar.getStatus();
  }

  String activeColor(String name) {
    Service s = client().services().inNamespace(NS.name()).withName(name).get();
    return s == null ? null : s.getSpec().getSelector().get(Labels.COLOR);
  }

  static AppRelease release(String name, String shard) {
    AppRelease ar = Releases.backend(NS.name(), "1.0.0", 1);
    ar.getMetadata().setName(name);
    if (shard != null) {
      Map<String, String> labels = new HashMap<>(ar.getMetadata().getLabels() == null ? Map.of() : ar.getMetadata().getLabels());
      labels.put("turnout.dev/shard", shard);
      ar.getMetadata().setLabels(labels);
    }
    return ar;
  }

  /** Names of the objects in the class's namespace the shard wrote (created, patched, ...), Leases and Events aside. */
  static List<String> written(AuditLog audit) {
    return audit.operatorWritesSince(java.time.Instant.EPOCH).stream().filter(e -> NS.name().equals(e.namespace()))
        .map(e -> e.resource() + "/" + e.name()).distinct().toList();
  }

  @Test
  void eachShardReleasesOnlyWhatItsSelectorSelects() {
    client().resource(release("nobodys", null)).create();
    client().resource(release("for-a", "a")).create();
    client().resource(release("for-b", "b")).create();
    await().atMost(WAIT).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
      assertThat(activeColor("for-a")).isEqualTo("blue");
      assertThat(status("for-a").phase).isEqualTo("Healthy");
      assertThat(activeColor("for-b")).isEqualTo("blue");
      assertThat(status("for-b").phase).isEqualTo("Healthy");
    });
    assertThat(written(auditA)).as("what shard a wrote").contains("appreleases/for-a", "deployments/for-a-blue")
        .noneMatch(w -> w.contains("for-b") || w.contains("nobodys"));
    assertThat(written(auditB)).as("what shard b wrote").contains("appreleases/for-b", "deployments/for-b-blue")
        .noneMatch(w -> w.contains("for-a") || w.contains("nobodys"));
    // created first: had anyone selected it, it would have its status by now
    assertThat(status("nobodys")).as("the unlabelled release's status").isNull();
    assertThat(a.isAlive() && b.isAlive()).isTrue();
  }

  @Test
  void anOverlappingShardRefusesToStart() throws Exception {
    Path log = RealTier.workDir().resolve("operator-shard-c.log");
    Files.deleteIfExists(log);
    Map<String, String> env = new HashMap<>(idA.env());
    env.put("QUARKUS_KUBERNETES_CLIENT_TRUST_CERTS", "false");
    // objects labelled turnout.dev/shard=a match both: refused while shard a runs
    env.put("TURNOUT_SHARD_NAME", "c");
    env.put("TURNOUT_SHARD_SELECTOR", "turnout.dev/shard in (a,c)");
    OperatorProcess c = OperatorProcess.start(RealTier.JAR, idA.kubeconfig(), log, env);
    try {
      assertThat(c.process().waitFor(60, TimeUnit.SECONDS)).as("the overlapping instance exits").isTrue();
      assertThat(c.process().exitValue()).isNotZero();
      assertThat(Files.readString(log)).contains("refusing to start", "shard c", "shard a",
          "Lease turnout-operator-lock-a held by");
    } finally {
      c.close();
    }
    assertThat(client().leases().inNamespace(ChartIdentity.NAMESPACE).withName("turnout-operator-lock-c-shard").get())
        .as("a refused instance records nothing").isNull();
    assertThat(a.isAlive() && b.isAlive()).as("the running shards are untouched").isTrue();
  }
}
