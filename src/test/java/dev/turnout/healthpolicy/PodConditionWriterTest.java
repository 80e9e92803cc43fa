package dev.turnout.healthpolicy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Pod status writes of readiness gates (item 10): concurrent across pods, at most one in flight per pod, one per change. */
class PodConditionWriterTest {
  static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-20T03:00:00Z"), ZoneOffset.UTC);
  static final String TYPE = "turnout.dev/deep-health";
  static final PodGate.Verdict FALSE = new PodGate.Verdict(false, PodGate.FAILED, "failed 2 round(s) in a row on this pod: api: 503");

  static Pod pod(String name, String resourceVersion) {
    return new PodBuilder().withNewMetadata().withNamespace("shop").withName(name).withResourceVersion(resourceVersion)
        .endMetadata().withNewStatus().addNewCondition().withType("Ready").withStatus("True")
        .withLastTransitionTime("2026-11-20T02:00:00Z").endCondition()
        .addNewCondition().withType(TYPE).withStatus("True").withReason(PodGate.PASSED)
        .withLastTransitionTime("2026-11-20T02:00:00Z").endCondition().endStatus().build();
  }

  @Test
  void writesOfDifferentPodsRunConcurrentlyAndAtMostOnePerPodIsInFlight() throws Exception {
    CountDownLatch slowPodHeld = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    List<String> done = new CopyOnWriteArrayList<>();
    try (PodConditionWriter writer = new PodConditionWriter((ns, pod, patch) -> {
      if (pod.equals("slow")) {
        slowPodHeld.countDown();
        try {
          release.await(20, TimeUnit.SECONDS); // an API server that takes its time for this one pod
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      done.add(pod);
    }, CLOCK)) {
      assertThat(writer.write(pod("slow", "10"), TYPE, FALSE)).isTrue();
      assertThat(slowPodHeld.await(10, TimeUnit.SECONDS)).isTrue();
      // the slow write holds up no other pod (a single writer thread would)
      assertThat(writer.write(pod("fast-1", "11"), TYPE, FALSE)).isTrue();
      assertThat(writer.write(pod("fast-2", "12"), TYPE, FALSE)).isTrue();
      await().atMost(Duration.ofSeconds(10)).until(() -> done.containsAll(List.of("fast-1", "fast-2")));
      // the slow pod's next round finds its write in flight: nothing is queued behind it
      assertThat(writer.write(pod("slow", "13"), TYPE, FALSE)).isFalse();
      release.countDown();
      await().atMost(Duration.ofSeconds(10)).until(() -> done.contains("slow"));
      assertThat(done).containsExactlyInAnyOrder("slow", "fast-1", "fast-2");
      // a round that still sees the copy the write was made on (the watch event not yet in) sends nothing again
      await().atMost(Duration.ofSeconds(10)).until(() -> !writer.write(pod("fast-1", "11"), TYPE, FALSE));
      // once the cache has the written pod, a new change is written
      assertThat(writer.write(pod("fast-1", "14"), TYPE, FALSE)).isTrue();
    }
  }

  @Test
  void thePatchTestsTheResourceVersionAndReplacesOnlyTheGatesCondition() throws Exception {
    JsonNode ops = Serialization.jsonMapper().readTree(PodConditionWriter.jsonPatch(pod("web-7d9f-x2k4p", "42"), TYPE, FALSE, CLOCK));
    assertThat(ops.get(0).path("op").asText()).isEqualTo("test");
    assertThat(ops.get(0).path("path").asText()).isEqualTo("/metadata/resourceVersion");
    assertThat(ops.get(0).path("value").asText()).isEqualTo("42");
    JsonNode conditions = ops.get(1).path("value");
    assertThat(ops.get(1).path("path").asText()).isEqualTo("/status/conditions");
    assertThat(conditions).hasSize(2);
    assertThat(conditions.get(0).path("type").asText()).isEqualTo("Ready"); // the kubelet's, untouched
    assertThat(conditions.get(1).path("type").asText()).isEqualTo(TYPE);
    assertThat(conditions.get(1).path("status").asText()).isEqualTo("False");
    assertThat(conditions.get(1).path("reason").asText()).isEqualTo("HealthChecksFailed");
    assertThat(conditions.get(1).path("lastTransitionTime").asText()).isEqualTo("2026-11-20T03:00:00Z");
    // same status, another reason: the transition time stays, as the kubelet keeps it
    JsonNode same = Serialization.jsonMapper().readTree(PodConditionWriter.jsonPatch(pod("p", "1"), TYPE,
        new PodGate.Verdict(true, PodGate.DRY_RUN_WOULD_FAIL, "dry run"), CLOCK)).get(1).path("value").get(1);
    assertThat(same.path("lastTransitionTime").asText()).isEqualTo("2026-11-20T02:00:00Z");
  }
}
