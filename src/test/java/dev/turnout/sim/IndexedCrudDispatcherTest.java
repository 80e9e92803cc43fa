package dev.turnout.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The indexed store answers as the mock's own scan does: objects of one name in several namespaces, of one namespace
 * in several kinds, cluster-wide lists, label selectors, cluster-scoped kinds, writes and deletes of one of them.
 */
class IndexedCrudDispatcherTest {

  @Test
  void answersAsAScanOfEveryObjectWould() {
    try (EmbeddedCluster cluster = EmbeddedCluster.start()) {
      KubernetesClient client = cluster.client();
      cluster.createNamespaces("one", "two");
      client.resource(configMap("one", "a", Map.of("app", "x"))).create();
      client.resource(configMap("two", "a", Map.of("app", "y"))).create();
      client.resource(configMap("one", "b", Map.of("app", "y"))).create();
      client.resource(new io.fabric8.kubernetes.api.model.SecretBuilder().withNewMetadata().withName("a")
          .withNamespace("one").endMetadata().build()).create();

      assertThat(client.configMaps().inNamespace("one").withName("a").get().getMetadata().getLabels())
          .containsEntry("app", "x");
      assertThat(client.configMaps().inNamespace("two").withName("a").get().getMetadata().getLabels())
          .containsEntry("app", "y");
      assertThat(client.configMaps().inNamespace("two").withName("b").get()).isNull();
      assertThat(names(client.configMaps().inNamespace("one").list().getItems())).containsExactlyInAnyOrder("one/a", "one/b");
      assertThat(names(client.configMaps().inAnyNamespace().list().getItems()))
          .containsExactlyInAnyOrder("one/a", "two/a", "one/b");
      assertThat(names(client.configMaps().inAnyNamespace().withLabel("app", "y").list().getItems()))
          .containsExactlyInAnyOrder("two/a", "one/b");
      assertThat(names(client.secrets().inNamespace("one").list().getItems())).containsExactly("one/a");
      assertThat(client.namespaces().withName("two").get()).isNotNull();
      assertThat(client.namespaces().list().getItems()).hasSize(2);

      // a write and a delete touch the one object of the request, and the buckets follow
      client.configMaps().inNamespace("two").withName("a").edit(c -> {
        c.getMetadata().getLabels().put("app", "z");
        return c;
      });
      assertThat(names(client.configMaps().inAnyNamespace().withLabel("app", "z").list().getItems()))
          .containsExactly("two/a");
      assertThat(client.configMaps().inNamespace("one").withName("a").get().getMetadata().getLabels())
          .containsEntry("app", "x");
      client.configMaps().inNamespace("one").withName("a").delete();
      assertThat(client.configMaps().inNamespace("one").withName("a").get()).isNull();
      assertThat(names(client.configMaps().inAnyNamespace().list().getItems())).containsExactlyInAnyOrder("two/a", "one/b");
      assertThat(client.secrets().inNamespace("one").withName("a").get()).isNotNull();
      client.resource(configMap("one", "a", Map.of("app", "again"))).create();
      assertThat(client.configMaps().inNamespace("one").withName("a").get().getMetadata().getLabels())
          .containsEntry("app", "again");
    }
  }

  @Test
  void aWatchStartsWithTheObjectsItSelectsAndSeesLaterOnes() {
    try (EmbeddedCluster cluster = EmbeddedCluster.start()) {
      KubernetesClient client = cluster.client();
      cluster.createNamespaces("one", "two");
      client.resource(configMap("one", "a", Map.of())).create();
      client.resource(configMap("two", "a", Map.of())).create();
      List<String> seen = new CopyOnWriteArrayList<>();
      try (var watch = client.configMaps().inNamespace("one").watch(new Watcher<>() {
        @Override
        public void eventReceived(Action action, ConfigMap resource) {
          seen.add(action + " " + resource.getMetadata().getNamespace() + "/" + resource.getMetadata().getName());
        }

        @Override
        public void onClose(WatcherException cause) {
        }
      })) {
        client.resource(configMap("one", "b", Map.of())).create();
        client.resource(configMap("two", "b", Map.of())).create();
        Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> seen.contains("ADDED one/b"));
        assertThat(seen).doesNotContain("ADDED two/a", "ADDED two/b");
      }
    }
  }

  private static ConfigMap configMap(String namespace, String name, Map<String, String> labels) {
    return new ConfigMapBuilder().withNewMetadata().withName(name).withNamespace(namespace).withLabels(labels)
        .endMetadata().addToData("k", "v").build();
  }

  private static List<String> names(List<? extends HasMetadata> items) {
    return items.stream().map(i -> i.getMetadata().getNamespace() + "/" + i.getMetadata().getName()).toList();
  }
}
