package dev.turnout.realtier;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;

/**
 * "The operator never writes spec", judged from one audit event of the operator's (a write to a turnout.dev resource,
 * recorded at RequestResponse level by {@link ControlPlane#auditPolicy}): the request body says what a patch touches,
 * and metadata.generation, which the API server raises on every change outside metadata and status, says whether an
 * update changed spec. Status subresource writes and metadata-only patches (finalizers, the backup-now annotation) pass.
 */
final class SpecWrites {
  private SpecWrites() {}

  /** Why this write touches a custom resource's spec, or empty when it does not. */
  static Optional<String> violation(JsonNode event) {
    String verb = event.path("verb").asText();
    String subresource = event.path("objectRef").path("subresource").asText("");
    if (!"turnout.dev".equals(event.path("objectRef").path("apiGroup").asText())
        || !AuditLog.WRITE_VERBS.contains(verb) || verb.startsWith("delete")
        || "status".equals(subresource) || "finalizers".equals(subresource)) {
      return Optional.empty();
    }
    if ("scale".equals(subresource)) {
      return Optional.of("writes the scale subresource, which is spec.replicas");
    }
    if (!subresource.isEmpty()) {
      return Optional.of("writes the " + subresource + " subresource");
    }
    if ("create".equals(verb)) {
      return Optional.of("creates a custom resource: its whole spec comes from the operator, not from git");
    }
    JsonNode request = event.get("requestObject");
    if (request == null || request.isNull()) {
      return Optional.of("no request body in the audit event: the audit policy must record the operator's writes to"
          + " turnout.dev at RequestResponse level (ControlPlane.auditPolicy) for this check");
    }
    if ("patch".equals(verb)) {
      return patchTouchesSpec(request);
    }
    // update: the whole object is sent, so only the generation tells whether its spec changed
    JsonNode response = event.get("responseObject");
    if (event.path("responseStatus").path("code").asInt() >= 300 || response == null) {
      return Optional.empty(); // refused: nothing changed
    }
    JsonNode sent = request.path("metadata").path("generation");
    JsonNode stored = response.path("metadata").path("generation");
    if (sent.isMissingNode() || stored.isMissingNode()) {
      return Optional.of("update without metadata.generation in the request or response: cannot tell whether spec"
          + " changed");
    }
    return stored.asLong() > sent.asLong()
        ? Optional.of("update changed spec: metadata.generation " + sent.asLong() + " -> " + stored.asLong())
        : Optional.empty();
  }

  /** A merge, strategic-merge or apply patch with a spec key; a JSON patch with an operation on /spec or the root. */
  static Optional<String> patchTouchesSpec(JsonNode patch) {
    if (patch.isObject()) {
      return patch.has("spec") ? Optional.of("patch sets spec: " + patch.get("spec")) : Optional.empty();
    }
    if (patch.isArray()) {
      for (JsonNode op : patch) {
        for (String field : new String[] {"path", "from"}) {
          String path = op.path(field).asText(null);
          if (path != null && (path.equals("") || path.equals("/") || path.equals("/spec") || path.startsWith("/spec/"))) {
            return Optional.of("JSON patch " + op.path("op").asText() + " " + path);
          }
        }
      }
      return Optional.empty();
    }
    return Optional.of("unreadable patch body: " + patch);
  }
}
