package dev.turnout.common;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;

/**
 * Writes a custom resource's status on the status subresource, and only when it changed. The write is one
 * JSON patch ({@code add /status}) that sets the whole new status: it never touches spec (GitOps sees no
 * drift), needs no resourceVersion (no conflict with a concurrent spec or annotation change), and removes
 * fields that disappeared, with the same meaning on every API server (merge-patch array handling varies).
 */
public final class StatusPatcher {
  private StatusPatcher() {}

  /** Returns true when a write was made. */
  public static <S, T extends CustomResource<?, S>> boolean patchIfChanged(
      KubernetesClient client, T resource, Object oldStatus, S newStatus) {
    return patchIfChanged(client, resource, oldStatus, newStatus, OwnedObjects.WriteCounter.NONE);
  }

  /** As above; the counter is told just before the write is sent, as OwnedObjects does for the objects it writes. */
  public static <S, T extends CustomResource<?, S>> boolean patchIfChanged(
      KubernetesClient client, T resource, Object oldStatus, S newStatus, OwnedObjects.WriteCounter counter) {
    return patchStatus(client, resource, oldStatus, newStatus, counter) != null;
  }

  /**
   * As {@link #patchIfChanged}, returning the resource as the API server answered the write (its new resourceVersion),
   * or null when nothing had changed.
   */
  public static <S, T extends CustomResource<?, S>> T patchStatus(
      KubernetesClient client, T resource, Object oldStatus, S newStatus, OwnedObjects.WriteCounter counter) {
    JsonNode before = oldStatus == null ? JsonNodeFactory.instance.objectNode() : Serialization.jsonMapper().valueToTree(oldStatus);
    JsonNode after = Serialization.jsonMapper().valueToTree(newStatus);
    if (before.equals(after)) {
      return null;
    }
    ObjectNode op = JsonNodeFactory.instance.objectNode();
    op.put("op", "add");
    op.put("path", "/status");
    op.set("value", after);
    String patch = JsonNodeFactory.instance.arrayNode().add(op).toString();
    @SuppressWarnings("unchecked")
    Class<T> type = (Class<T>) resource.getClass();
    counter.write();
    // on the resource itself, not withName(): fabric8 GETs a resource given only by name before patching it (it needs
    // an item for the URL), which would put one more round trip before every status write
    return client
        .resources(type)
        .inNamespace(resource.getMetadata().getNamespace())
        .resource(resource)
        .subresource("status")
        .patch(PatchContext.of(PatchType.JSON), patch);
  }
}
