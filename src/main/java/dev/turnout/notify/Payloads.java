package dev.turnout.notify;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.turnout.common.Times;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * What a target receives. Generic: the notification as JSON, with {@code X-Turnout-Signature: sha256=<hex>}, the
 * HMAC-SHA256 of {@code <X-Turnout-Timestamp>.<body>} with the target's secret. The timestamp is inside what is
 * signed (as in Stripe's and Slack's own request signing) so that a captured request cannot be replayed later with a
 * fresh timestamp header: a receiver recomputes the HMAC, compares in constant time, and refuses timestamps more than
 * a few minutes old. Slack: {@code {"text": ...}}, which every Slack-compatible incoming webhook (Slack, Mattermost,
 * Rocket.Chat, Discord's /slack endpoint) accepts.
 */
public final class Payloads {
  public static final String SIGNATURE = "X-Turnout-Signature";
  public static final String TIMESTAMP = "X-Turnout-Timestamp";
  public static final String EVENT = "X-Turnout-Event";
  public static final String DELIVERY = "X-Turnout-Delivery";
  private static final ObjectMapper JSON = new ObjectMapper();

  private Payloads() {}

  public static String generic(Notification n) {
    ObjectNode o = JSON.createObjectNode();
    o.put("id", n.id());
    o.put("event", n.event().wire);
    o.put("time", Times.format(n.time()));
    o.put("kind", n.kind());
    o.put("namespace", n.namespace());
    o.put("name", n.name());
    o.put("message", n.message());
    ObjectNode d = o.putObject("details");
    for (Map.Entry<String, Object> e : n.details().entrySet()) {
      if (e.getValue() != null) {
        d.putPOJO(e.getKey(), e.getValue());
      }
    }
    return write(o);
  }

  public static String slack(Notification n) {
    String mark = n.event().bad() ? ":warning:" : ":white_check_mark:";
    ObjectNode o = JSON.createObjectNode();
    // Slack's mrkdwn: &, < and > must be escaped in text, the rest is literal
    o.put("text", mark + " *" + escape(n.kind() + " " + n.namespace() + "/" + n.name()) + "* " + escape(n.event().wire) + ": "
        + escape(n.message()));
    return write(o);
  }

  /** {@code sha256=} and the hex HMAC-SHA256 of {@code timestamp + "." + body} keyed with the secret (UTF-8). */
  public static String signature(String secret, long timestamp, String body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      byte[] h = mac.doFinal((timestamp + "." + body).getBytes(StandardCharsets.UTF_8));
      return "sha256=" + HexFormat.of().formatHex(h);
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  static String escape(String s) {
    return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }

  private static String write(ObjectNode o) {
    try {
      return JSON.writeValueAsString(o);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
