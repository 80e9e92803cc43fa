package dev.turnout.apprelease;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Which refusals are the spec's to fix, and how their retries back off. */
class WriteHistoryTest {
  static KubernetesClientException error(int code, String message) {
    return new KubernetesClientException(new StatusBuilder().withCode(code).withMessage(message).build());
  }

  @Test
  void invalidObjectsAndDenyingWebhooksAreRefusalsOtherErrorsAreNot() {
    assertThat(WriteHistory.isRefusal(error(422, "Deployment.apps \"x\" is invalid: ..."))).isTrue();
    assertThat(WriteHistory.isRefusal(error(400, "admission webhook \"policy.example\" denied the request: no"))).isTrue();
    assertThat(WriteHistory.isRefusal(error(403, "admission webhook \"policy.example\" denied the request: no"))).isTrue();
    assertThat(WriteHistory.isRefusal(error(403, "deployments.apps \"x\" is forbidden: User \"turnout\" cannot patch")))
        .as("RBAC: the chart's business, not the spec's").isFalse();
    assertThat(WriteHistory.isRefusal(error(409, "the object has been modified"))).isFalse();
    assertThat(WriteHistory.isRefusal(error(500, "etcdserver: request timed out"))).isFalse();
    assertThat(WriteHistory.message(error(422, "the API server's words"))).isEqualTo("the API server's words");
  }

  @Test
  void theSameRefusedWriteIsRetriedAfter5SecondsDoublingTo5MinutesAndAnotherDesiredStateAtOnce() {
    WriteHistory history = new WriteHistory();
    Instant t = Instant.parse("2026-12-02T10:00:00Z");
    assertThat(history.refused("Deployment/ns/a", "h1", "invalid", t)).isNull();
    assertThat(history.waiting("Deployment/ns/a", "h1", t.plusSeconds(4))).isNotNull();
    assertThat(history.waiting("Deployment/ns/a", "h1", t.plusSeconds(5))).as("first retry at 5 s").isNull();
    assertThat(history.waiting("Deployment/ns/a", "h2", t.plusSeconds(1))).as("a new desired state is tried at once").isNull();
    Instant at = t.plusSeconds(5);
    Duration expected = Duration.ofSeconds(10);
    for (int i = 0; i < 10; i++) {
      assertThat(history.refused("Deployment/ns/a", "h1", "invalid", at)).as("the message told before").isEqualTo("invalid");
      WriteHistory.Refusal r = history.waiting("Deployment/ns/a", "h1", at);
      assertThat(r.backoff()).isEqualTo(expected);
      assertThat(r.first()).isEqualTo(t);
      at = r.retryAt();
      expected = expected.multipliedBy(2).compareTo(Duration.ofMinutes(5)) > 0 ? Duration.ofMinutes(5) : expected.multipliedBy(2);
    }
    history.accepted("Deployment/ns/a");
    assertThat(history.waiting("Deployment/ns/a", "h1", at)).isNull();
  }
}
