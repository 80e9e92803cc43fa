package dev.turnout.notify;

import static dev.turnout.testing.Releases.color;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.turnout.apprelease.AppRelease;
import dev.turnout.apprelease.AppReleaseStatus;
import dev.turnout.common.Labels;
import dev.turnout.common.LocalObjectRef;
import dev.turnout.sim.FastApiBackend;
import dev.turnout.sim.FastApiBackend.Mode;
import dev.turnout.testing.EmbeddedClusterResource;
import dev.turnout.testing.HealthPolicies;
import dev.turnout.testing.Releases;
import dev.turnout.testing.TestClock;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import org.awaitility.core.ThrowingRunnable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Notifications of a real release lifecycle on the embedded cluster, to two real HTTP receivers: one that takes the
 * first request and never answers, one that works. The releases go on as they do without notifications: a switch, an
 * automatic revert and a failure each happen while the hanging receiver still holds its first request.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedClusterResource.class)
class NotificationsLifecycleTest {
  static final Duration WAIT = Duration.ofSeconds(30);
  static final String ORIGIN = "https://dev.autoauthor.app";

  @Inject KubernetesClient client;
  @Inject TestClock clock;
  @Inject MeterRegistry registry;
  @Inject Notifier notifier;

  final WebhookServer hanging = new WebhookServer().hanging();
  final WebhookServer working = new WebhookServer();

  @AfterEach
  void off() {
    notifier.configure(List.of(), null);
    hanging.close();
    working.close();
  }

  void eventually(ThrowingRunnable assertion) {
    await().atMost(WAIT).ignoreExceptions().pollInterval(Duration.ofMillis(100)).untilAsserted(assertion);
  }

  AppReleaseStatus status(String ns) {
    return client.resources(AppRelease.class).inNamespace(ns).withName("backend").get().getStatus();
  }

  String activeColor(String ns) {
    Service s = client.services().inNamespace(ns).withName("backend").get();
    return s == null ? null : s.getSpec().getSelector().get(Labels.COLOR);
  }

  List<JsonNode> received(String ns) throws Exception {
    ObjectMapper json = new ObjectMapper();
    List<JsonNode> out = new java.util.ArrayList<>();
    for (WebhookServer.Received r : working.received) {
      JsonNode body = json.readTree(r.body());
      if (ns.equals(body.get("namespace").asText())) {
        out.add(body);
      }
    }
    return out;
  }

  @Test
  void aHangingWebhookDelaysNeitherSwitchNorRevertNorFailureAndTheOtherTargetGetsEveryEvent() throws Exception {
    var every = EnumSet.allOf(Notification.Event.class);
    notifier.configure(List.of(
            new NotifyTarget("stuck", NotifyTarget.Type.generic, hanging.url("/hook"), null, every),
            new NotifyTarget("audit", NotifyTarget.Type.generic, working.url("/hook"), "s3cret", every)),
        // the stuck target's request would wait 10 minutes for an answer: far beyond any step of this test
        new TargetQueue.Settings(100, Duration.ofMinutes(10), 3, Duration.ofMillis(100), Duration.ofSeconds(1)));
    String ns = Releases.newNamespace(client, "notify");
    FastApiBackend blue = new FastApiBackend(ORIGIN);
    FastApiBackend green = new FastApiBackend(ORIGIN);
    EmbeddedClusterResource.simulator().serve(ns, color("backend", "blue"), blue);
    EmbeddedClusterResource.simulator().serve(ns, color("backend", "green"), green);
    client.resource(HealthPolicies.backendHealth(ns, ORIGIN, spec -> {})).create();
    AppRelease ar = Releases.backend(ns, "1.0.0", 2);
    ar.getSpec().healthPolicyRef = new LocalObjectRef(HealthPolicies.NAME);
    client.resource(ar).create();

    // 1. first release: promoted; the stuck target now holds that notification and never answers
    eventually(() -> assertThat(activeColor(ns)).isEqualTo("blue"));
    eventually(() -> assertThat(hanging.received).hasSize(1));

    // 2. a new version switches to green, then its database goes down and it is reverted to blue
    Releases.update(client, ns, "backend", r -> r.getSpec().version = "1.1.0");
    eventually(() -> {
      assertThat(activeColor(ns)).isEqualTo("green");
      assertThat(status(ns).switchConvergedAt).isNotNull();
    });
    eventually(() -> assertThat(registry.find("turnout.health.gate").tags("namespace", ns, "phase", "post").gauge()).isNotNull());
    green.mode(Mode.DATABASE_DOWN);
    eventually(() -> {
      assertThat(activeColor(ns)).isEqualTo("blue");
      assertThat(status(ns).phase).isEqualTo("RolledBack");
    });

    // 3. a version whose checks fail on the preview Service fails at its deadline; traffic stays on blue
    Releases.update(client, ns, "backend", r -> r.getSpec().version = "1.2.0");
    eventually(() -> assertThat(status(ns).currentRevision).isEqualTo(3L));
    clock.advance(Duration.ofSeconds(301));
    Releases.nudge(client, ns, "backend");
    eventually(() -> assertThat(status(ns).phase).isEqualTo("Failed"));
    assertThat(activeColor(ns)).isEqualTo("blue");

    // all of it while the stuck target still holds its first request: nothing waited for it
    assertThat(hanging.received).hasSize(1);
    assertThat(registry.find("turnout.notifications").tags("target", "stuck", "result", "sent").counter().count()).isZero();

    // the working target got every event, in order, each once, signed
    eventually(() -> assertThat(received(ns)).extracting(b -> b.get("event").asText())
        .containsExactly("release.promoted", "release.promoted", "release.rolledBack", "release.failed"));
    List<JsonNode> got = received(ns);
    String uid = client.resources(AppRelease.class).inNamespace(ns).withName("backend").get().getMetadata().getUid();
    assertThat(got.get(0).get("id").asText()).startsWith(uid + "/release.promoted/1/");
    assertThat(got.get(1).get("details").get("color").asText()).isEqualTo("green");
    assertThat(got.get(2).get("details").get("trigger").asText()).isEqualTo("health");
    assertThat(got.get(2).get("details").get("fromRevision").asLong()).isEqualTo(2);
    assertThat(got.get(3).get("id").asText()).isEqualTo(uid + "/release.failed/3");
    assertThat(got.get(3).get("message").asText()).startsWith("revision 3 (1.2.0) failed, traffic stays on blue: ");
    for (WebhookServer.Received r : working.received) {
      long ts = Long.parseLong(r.header(Payloads.TIMESTAMP));
      assertThat(r.header(Payloads.SIGNATURE)).isEqualTo(Payloads.signature("s3cret", ts, r.body()));
    }
  }
}
