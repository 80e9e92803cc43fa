package dev.turnout.notify;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PayloadsTest {
  static Notification promoted() {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("revision", 2L);
    d.put("version", "1.1.0");
    d.put("color", "green");
    d.put("previousColor", null);
    return new Notification("uid-1/release.promoted/2/2026-12-02T18:00:00Z", Notification.Event.RELEASE_PROMOTED,
        Instant.parse("2026-12-02T18:00:00Z"), "AppRelease", "shop", "backend", "revision 2 (1.1.0) is live on green <now>", d);
  }

  @Test
  void signatureIsHmacSha256OfTimestampDotBodyInHex() {
    // expected value from: printf '%s' '1764698400.{"id":"x"}' | openssl dgst -sha256 -hmac topsecret
    assertThat(Payloads.signature("topsecret", 1764698400L, "{\"id\":\"x\"}"))
        .isEqualTo("sha256=314d4d103846e441195c1613b329d73288cc7057672e24a3b4febde0e63d3e6e");
  }

  @Test
  void genericBodyCarriesTheIdempotencyKeyAndFacts() throws Exception {
    JsonNode body = new ObjectMapper().readTree(Payloads.generic(promoted()));
    assertThat(body.get("id").asText()).isEqualTo("uid-1/release.promoted/2/2026-12-02T18:00:00Z");
    assertThat(body.get("event").asText()).isEqualTo("release.promoted");
    assertThat(body.get("time").asText()).isEqualTo("2026-12-02T18:00:00Z");
    assertThat(body.get("kind").asText()).isEqualTo("AppRelease");
    assertThat(body.get("namespace").asText()).isEqualTo("shop");
    assertThat(body.get("name").asText()).isEqualTo("backend");
    assertThat(body.get("details").get("revision").asLong()).isEqualTo(2);
    assertThat(body.get("details").get("color").asText()).isEqualTo("green");
    assertThat(body.get("details").has("previousColor")).as("null facts are left out").isFalse();
  }

  @Test
  void slackBodyIsTextWithMrkdwnEscaped() throws Exception {
    JsonNode body = new ObjectMapper().readTree(Payloads.slack(promoted()));
    assertThat(body.fieldNames()).toIterable().containsExactly("text");
    assertThat(body.get("text").asText())
        .isEqualTo(":white_check_mark: *AppRelease shop/backend* release.promoted: revision 2 (1.1.0) is live on green &lt;now&gt;");
  }
}
