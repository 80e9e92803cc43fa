package dev.turnout.sim;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;

/**
 * Validating admission webhooks a test installs in the embedded API server: a write (create, update, patch, apply) to a
 * path a webhook matches is denied as the real API server words a webhook's denial (k8s.io/apiserver
 * admission/plugin/webhook/errors ToStatusErr): code 400 unless the webhook says otherwise, message
 * {@code admission webhook "<name>" denied the request: <reason>}.
 */
public final class AdmissionWebhooks {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> WRITES = Set.of("POST", "PUT", "PATCH");

  /** A webhook denying every write to the paths its pattern finds (e.g. one Deployment). */
  public record Webhook(String name, Pattern path, String reason) {}

  private final List<Webhook> webhooks = new CopyOnWriteArrayList<>();

  /** Installs a webhook; remove it with {@link #remove}. */
  public Webhook deny(String name, String pathRegex, String reason) {
    Webhook w = new Webhook(name, Pattern.compile(pathRegex), reason);
    webhooks.add(w);
    return w;
  }

  public void remove(Webhook webhook) {
    webhooks.remove(webhook);
  }

  MockResponse check(RecordedRequest request) {
    if (!WRITES.contains(request.getMethod()) || request.getPath() == null) {
      return null;
    }
    String path = request.getPath().contains("?") ? request.getPath().substring(0, request.getPath().indexOf('?')) : request.getPath();
    for (Webhook w : webhooks) {
      if (w.path().matcher(path).find()) {
        ObjectNode status = JSON.createObjectNode().put("kind", "Status").put("apiVersion", "v1");
        status.putObject("metadata");
        status.put("status", "Failure").put("message", "admission webhook \"" + w.name() + "\" denied the request: " + w.reason())
            .put("reason", "BadRequest").put("code", 400);
        return new MockResponse().setResponseCode(400).setHeader("Content-Type", "application/json").setBody(status.toString());
      }
    }
    return null;
  }
}
