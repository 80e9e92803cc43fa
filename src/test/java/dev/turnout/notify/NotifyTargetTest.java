package dev.turnout.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class NotifyTargetTest {
  @Test
  void parsesSlackAndGenericTargetsWithEventFilters() {
    List<NotifyTarget> targets = NotifyTarget.parse("""
        [{"name": "ops", "type": "slack", "url": "https://hooks.slack.com/services/T0/B0/xyz"},
         {"name": "audit", "type": "generic", "url": "http://audit.internal:8080/hook", "secret": "s3cret",
          "events": ["release.failed", "backup.stale"]}]""");
    assertThat(targets).hasSize(2);
    assertThat(targets.get(0).type()).isEqualTo(NotifyTarget.Type.slack);
    assertThat(targets.get(0).events()).containsExactlyInAnyOrder(Notification.Event.values());
    assertThat(targets.get(1).secret()).isEqualTo("s3cret");
    assertThat(targets.get(1).wants(Notification.Event.RELEASE_FAILED)).isTrue();
    assertThat(targets.get(1).wants(Notification.Event.RELEASE_PROMOTED)).isFalse();
    assertThat(targets.get(1).toString()).doesNotContain("s3cret").doesNotContain("audit.internal");
  }

  @Test
  void blankMeansNoTarget() {
    assertThat(NotifyTarget.parse("")).isEmpty();
    assertThat(NotifyTarget.parse(null)).isEmpty();
    assertThat(NotifyTarget.parse("[]")).isEmpty();
  }

  @Test
  void mistakesNameTheTargetAndFieldButNeverTheUrlOrSecret() {
    String url = "https://hooks.slack.com/services/T0/B0/verysecretpath";
    assertThatThrownBy(() -> NotifyTarget.parse("{\"name\":\"x\"}")).hasMessageContaining("array");
    assertThatThrownBy(() -> NotifyTarget.parse("[{")).hasMessageContaining("not valid JSON");
    assertThatThrownBy(() -> NotifyTarget.parse("[{\"type\":\"slack\",\"url\":\"" + url + "\"}]"))
        .hasMessage("notification target [0]: name is required");
    assertThatThrownBy(() -> NotifyTarget.parse("[{\"name\":\"Ops!\",\"type\":\"slack\",\"url\":\"" + url + "\"}]"))
        .hasMessageContaining("DNS label");
    assertThatThrownBy(() -> NotifyTarget.parse("[{\"name\":\"ops\",\"type\":\"teams\",\"url\":\"" + url + "\"}]"))
        .hasMessage("notification target ops: type must be slack or generic");
    assertThatThrownBy(() -> NotifyTarget.parse("[{\"name\":\"ops\",\"type\":\"slack\",\"url\":\"ftp://x/" + "\"}]"))
        .hasMessage("notification target ops: url must be an http or https URL");
    assertThatThrownBy(() -> NotifyTarget.parse("[{\"name\":\"ops\",\"type\":\"slack\",\"url\":\"" + url + "\",\"secret\":\"k\"}]"))
        .hasMessageContaining("secret is for generic targets");
    assertThatThrownBy(() -> NotifyTarget.parse("[{\"name\":\"ops\",\"type\":\"slack\",\"url\":\"" + url + "\",\"events\":[\"release.done\"]}]"))
        .hasMessageContaining("unknown event \"release.done\"");
    assertThatThrownBy(() -> NotifyTarget.parse("[{\"name\":\"ops\",\"type\":\"slack\",\"url\":\"" + url + "\",\"uri\":\"x\"}]"))
        .hasMessage("notification target ops: unknown field uri");
    assertThatThrownBy(() -> NotifyTarget.parse("[{\"name\":\"ops\",\"type\":\"slack\",\"url\":\"" + url + "\"},"
        + "{\"name\":\"ops\",\"type\":\"slack\",\"url\":\"" + url + "\"}]"))
        .hasMessage("notification target ops: name given twice")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("verysecretpath"));
  }
}
