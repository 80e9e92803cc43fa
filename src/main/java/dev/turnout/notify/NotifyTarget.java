package dev.turnout.notify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A webhook: {@code slack} (a Slack-compatible incoming webhook: {@code {"text": ...}}) or {@code generic} (the
 * notification as JSON, signed with HMAC-SHA256 when it has a secret). Targets come from one JSON array the operator
 * reads from the environment (the chart takes it from a Secret: URLs of incoming webhooks are credentials).
 *
 * @param events the events sent to it; all when the configuration names none
 */
public record NotifyTarget(String name, Type type, URI url, String secret, Set<Notification.Event> events) {
  public enum Type { slack, generic }

  public boolean wants(Notification.Event e) {
    return events.contains(e);
  }

  /** Never the URL or the secret: both are credentials (a Slack webhook URL is enough to post to the channel). */
  @Override
  public String toString() {
    return name + " (" + type + ")";
  }

  /**
   * Parses the configuration: {@code [{"name": "ops", "type": "slack", "url": "https://hooks.slack.com/..."},
   * {"name": "audit", "type": "generic", "url": "https://...", "secret": "...", "events": ["release.failed"]}]}.
   * Blank means no target. A mistake fails start-up with a message naming the target and the field, never quoting a
   * URL or a secret.
   */
  public static List<NotifyTarget> parse(String json) {
    if (json == null || json.isBlank()) {
      return List.of();
    }
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(json);
    } catch (Exception e) {
      throw new IllegalArgumentException("notification targets: not valid JSON (an array of targets is expected)");
    }
    if (!root.isArray()) {
      throw new IllegalArgumentException("notification targets: an array of targets is expected");
    }
    List<NotifyTarget> targets = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < root.size(); i++) {
      JsonNode t = root.get(i);
      String where = "notification target [" + i + "]";
      String name = text(t, "name", where);
      if (!name.matches("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")) {
        throw new IllegalArgumentException(where + ": name must be a DNS label (it is a metric label)");
      }
      where = "notification target " + name;
      if (!names.add(name)) {
        throw new IllegalArgumentException(where + ": name given twice");
      }
      Type type;
      try {
        type = Type.valueOf(text(t, "type", where));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(where + ": type must be slack or generic");
      }
      URI url;
      try {
        url = URI.create(text(t, "url", where));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(where + ": url is not a valid URI");
      }
      if (!"https".equals(url.getScheme()) && !"http".equals(url.getScheme()) || url.getHost() == null) {
        throw new IllegalArgumentException(where + ": url must be an http or https URL");
      }
      String secret = t.hasNonNull("secret") ? t.get("secret").asText() : null;
      if (secret != null && type == Type.slack) {
        throw new IllegalArgumentException(where + ": secret is for generic targets (Slack does not check signatures)");
      }
      Set<Notification.Event> events = EnumSet.allOf(Notification.Event.class);
      if (t.hasNonNull("events")) {
        events = EnumSet.noneOf(Notification.Event.class);
        for (JsonNode e : t.get("events")) {
          try {
            events.add(Notification.Event.of(e.asText()));
          } catch (IllegalArgumentException ex) {
            throw new IllegalArgumentException(where + ": " + ex.getMessage());
          }
        }
      }
      for (var it = t.fieldNames(); it.hasNext(); ) {
        String f = it.next();
        if (!Set.of("name", "type", "url", "secret", "events").contains(f)) {
          throw new IllegalArgumentException(where + ": unknown field " + f);
        }
      }
      targets.add(new NotifyTarget(name, type, url, secret, events));
    }
    return targets;
  }

  private static String text(JsonNode t, String field, String where) {
    if (t == null || !t.hasNonNull(field) || t.get(field).asText().isBlank()) {
      throw new IllegalArgumentException(where + ": " + field + " is required");
    }
    return t.get(field).asText();
  }
}
