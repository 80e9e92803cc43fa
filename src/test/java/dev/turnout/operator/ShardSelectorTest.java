package dev.turnout.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.turnout.testing.EmbeddedClusterResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * TURNOUT_SHARD_SELECTOR reaches all four controllers (application.properties hands it to
 * quarkus.operator-sdk.controllers.*.selector): the examples' AppRelease, HealthPolicy, DatabaseBackup and
 * DatabaseRestore labelled for this shard are reconciled, the same labelled for another shard or not labelled are not.
 */
@QuarkusTest
@TestProfile(ShardSelectorTest.ShardA.class)
@QuarkusTestResource(EmbeddedClusterResource.class)
class ShardSelectorTest {
  public static class ShardA implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      // the variables as the chart's Deployment sets them
      return Map.of("TURNOUT_SHARD_NAME", "a", "TURNOUT_SHARD_SELECTOR", "turnout.dev/shard=a");
    }
  }

  @Inject KubernetesClient client;
  @Inject dev.turnout.testing.Reconciles reconciles;

  /** k8s/examples' Turnout resources, moved to {@code ns} (references included) and labelled turnout.dev/shard. */
  List<HasMetadata> examples(String ns, String shard) throws Exception {
    List<HasMetadata> all = new ArrayList<>();
    for (String file : List.of("10-backend.yaml", "30-backup.yaml", "40-restore-staging.yaml")) {
      try (InputStream in = Files.newInputStream(Path.of("k8s/examples", file))) {
        for (HasMetadata o : client.load(in).items()) {
          if (!o.getApiVersion().startsWith("turnout.dev/")) {
            continue;
          }
          o.getMetadata().setNamespace(ns);
          Map<String, String> labels = new HashMap<>(o.getMetadata().getLabels() == null ? Map.of() : o.getMetadata().getLabels());
          if (shard != null) {
            labels.put("turnout.dev/shard", shard);
          }
          o.getMetadata().setLabels(labels);
          if (o instanceof dev.turnout.restore.DatabaseRestore r) {
            r.getSpec().backupRef.namespace = ns;
          }
          all.add(o);
        }
      }
    }
    assertThat(all).extracting(HasMetadata::getKind)
        .containsExactlyInAnyOrder("AppRelease", "HealthPolicy", "DatabaseBackup", "DatabaseRestore");
    return all;
  }

  void create(String ns, List<HasMetadata> objects) {
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
    objects.forEach(o -> client.resource(o).create());
  }

  @Test
  void reconcilesOnlyWhatItsSelectorSelects() throws Exception {
    List<HasMetadata> theirs = examples("shard-b", "b");
    List<HasMetadata> nobodys = examples("shard-none", null);
    List<HasMetadata> mine = examples("shard-a", "a");
    create("shard-b", theirs);
    create("shard-none", nobodys);
    create("shard-a", mine);
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(mine).allSatisfy(o ->
        assertThat(reconciles.started(o.getKind(), "shard-a", o.getMetadata().getName())).as(o.getKind()).isPositive()));
    // created before the ones it reconciled: by now they would have been handled too if they were selected
    for (HasMetadata o : concat(theirs, nobodys)) {
      assertThat(reconciles.started(o.getKind(), o.getMetadata().getNamespace(), o.getMetadata().getName()))
          .as("reconciles of " + o.getKind() + " " + o.getMetadata().getNamespace() + "/" + o.getMetadata().getName()).isZero();
    }
    assertThat(client.apps().deployments().inNamespace("shard-b").list().getItems()).isEmpty();
    assertThat(client.batch().v1().cronjobs().inNamespace("shard-b").list().getItems()).isEmpty();
  }

  static List<HasMetadata> concat(List<HasMetadata> a, List<HasMetadata> b) {
    List<HasMetadata> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }
}
