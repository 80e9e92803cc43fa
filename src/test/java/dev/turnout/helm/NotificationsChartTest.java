package dev.turnout.helm;

import static dev.turnout.helm.HelmChartTest.ofType;
import static dev.turnout.helm.HelmChartTest.render;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The chart's notifications values: off by default, the targets from a Secret, the rest as plain settings. */
class NotificationsChartTest {
  static List<EnvVar> env(String... sets) {
    return ofType(render(sets), Deployment.class).get(0).getSpec().getTemplate().getSpec().getContainers().get(0).getEnv();
  }

  @Test
  void offByDefault() {
    assertThat(env()).extracting(EnvVar::getName).noneMatch(n -> n.startsWith("TURNOUT_NOTIFICATION"));
  }

  @Test
  void targetsComeFromTheSecretNeverFromValues() {
    List<EnvVar> env = env("notifications.secretName", "turnout-webhooks", "notifications.queueSize", "50",
        "notifications.timeout", "5s", "notifications.maxAttempts", "3");
    EnvVar targets = env.stream().filter(e -> e.getName().equals("TURNOUT_NOTIFICATION_TARGETS")).findFirst().orElseThrow();
    assertThat(targets.getValue()).isNull();
    assertThat(targets.getValueFrom().getSecretKeyRef().getName()).isEqualTo("turnout-webhooks");
    assertThat(targets.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("targets.json");
    assertThat(env).filteredOn(e -> e.getName().startsWith("TURNOUT_NOTIFICATION_") && e.getValue() != null)
        .extracting(e -> e.getName() + "=" + e.getValue())
        .containsExactly("TURNOUT_NOTIFICATION_QUEUE_SIZE=50", "TURNOUT_NOTIFICATION_TIMEOUT=5s", "TURNOUT_NOTIFICATION_MAX_ATTEMPTS=3");
  }

  @Test
  void badValuesAreRefusedByTheSchema() {
    assertThatThrownBy(() -> render("notifications.queueSize", "0")).hasMessageContaining("queueSize");
    assertThatThrownBy(() -> render("notifications.timeout", "forever")).hasMessageContaining("timeout");
    assertThatThrownBy(() -> render("notifications.url", "https://hooks.slack.com/x"))
        .as("a URL in values is refused: it belongs in the Secret").hasMessageContaining("url");
  }
}
