package dev.turnout.apprelease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.turnout.common.Labels;
import dev.turnout.testing.ApiWrites;
import dev.turnout.testing.EmbeddedClusterResource;
import dev.turnout.testing.Releases;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The operator's writes of a two-version release on the embedded cluster, listed and counted. */
@QuarkusTest
@QuarkusTestResource(EmbeddedClusterResource.class)
class ReleaseWritesTest {
  @Inject KubernetesClient client;

  String activeColor(String ns) {
    Service s = client.services().inNamespace(ns).withName("backend").get();
    return s == null ? null : s.getSpec().getSelector().get(Labels.COLOR);
  }

  AppRelease get(String ns) {
    return client.resources(AppRelease.class).inNamespace(ns).withName("backend").get();
  }

  @Test
  void aTwoVersionReleaseWritesLittle() {
    var server = EmbeddedClusterResource.cluster().server();
    String ns = Releases.newNamespace(client, "writes");
    ApiWrites.drain(server);
    List<RecordedRequest> all = new ArrayList<>();
    List<String> statuses = new java.util.concurrent.CopyOnWriteArrayList<>();
    var watch = client.resources(AppRelease.class).inNamespace(ns).watch(new io.fabric8.kubernetes.client.Watcher<AppRelease>() {
      @Override
      public void eventReceived(Action action, AppRelease ar) {
        AppReleaseStatus st = ar.getStatus();
        if (st != null) {
          statuses.add(st.phase + " | " + st.message + " | " + st.conditions.stream()
              .map(c -> c.getType() + "=" + c.getStatus() + "/" + c.getReason() + "(" + c.getMessage() + ")").toList());
        }
      }

      @Override
      public void onClose(io.fabric8.kubernetes.client.WatcherException cause) {}
    });
    client.resource(Releases.backend(ns, "1.0.0", 2)).create();
    await().atMost(Duration.ofSeconds(60)).ignoreExceptionsInstanceOf(NullPointerException.class).untilAsserted(() -> {
      assertThat(activeColor(ns)).isEqualTo("blue");
      assertThat(get(ns).getStatus().phase).isEqualTo("Healthy");
    });
    await().pollDelay(Duration.ofSeconds(2)).until(() -> true);
    all.addAll(ApiWrites.drain(server));
    Releases.update(client, ns, "backend", ar -> ar.getSpec().version = "1.1.0");
    await().atMost(Duration.ofSeconds(60)).ignoreExceptionsInstanceOf(NullPointerException.class).untilAsserted(() -> {
      AppReleaseStatus s = get(ns).getStatus();
      assertThat(activeColor(ns)).isEqualTo("green");
      assertThat(s.phase).isEqualTo("Healthy");
      assertThat(s.switchConvergedAt).isNotNull();
    });
    await().pollDelay(Duration.ofSeconds(2)).until(() -> true);
    all.addAll(ApiWrites.drain(server));
    List<String> writes = new ArrayList<>();
    for (RecordedRequest r : all) {
      if (!Set.of("POST", "PUT", "PATCH", "DELETE").contains(r.getMethod()) || !r.getPath().contains("/namespaces/" + ns + "/")) {
        continue;
      }
      String p = r.getPath();
      boolean operator = p.contains("/controllerrevisions") || p.contains("/services") || p.contains("/appreleases/backend/status")
          || (p.contains("/deployments") && !p.contains("/status")) || p.contains("/jobs");
      if (!operator) {
        continue;
      }
      String body = r.getUtf8Body();
      writes.add(r.getMethod() + " " + p + (p.endsWith("/status") ? "  " + body : ""));
    }
    watch.close();
    statuses.forEach(w -> System.out.println("STATUS " + w));
    writes.forEach(w -> System.out.println("WRITES " + w));
    System.out.println("WRITES total " + writes.size());
  }
}
