package dev.turnout.common;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.Iterator;
import java.util.Map;

/**
 * Writes a custom resource's status with a JSON merge patch on the status subresource, and only when it
 * changed. A merge patch never conflicts with a concurrent spec or annotation change, and never touches
 * spec (GitOps must see no drift). Fields that disappeared from the status are removed with explicit nulls.
 */
public final class StatusPatcher {
  private StatusPatcher() {}

  /** Returns true when a write was made. */
  public static <S, T extends CustomResource<?, S>> boolean patchIfChanged(
      KubernetesClient client, T resource, Object oldStatus, S newStatus) {
    JsonNode before = oldStatus == null ? JsonNodeFactory.instance.objectNode() : Serialization.jsonMapper().valueToTree(oldStatus);
    JsonNode after = Serialization.jsonMapper().valueToTree(newStatus);
    if (before.equals(after)) {
      return false;
    }
    ObjectNode patch = JsonNodeFactory.instance.objectNode();
    patch.set("status", mergeDiff(before, after));
    @SuppressWarnings("unchecked")
    Class<T> type = (Class<T>) resource.getClass();
    client
        .resources(type)
        .inNamespace(resource.getMetadata().getNamespace())
        .withName(resource.getMetadata().getName())
        .subresource("status")
        .patch(PatchContext.of(PatchType.JSON_MERGE), patch.toString());
    return true;
  }

  /** RFC 7386 merge patch that turns {@code before} into {@code after}; arrays are replaced whole. */
  static JsonNode mergeDiff(JsonNode before, JsonNode after) {
    if (!before.isObject() || !after.isObject()) {
      return after;
    }
    ObjectNode patch = JsonNodeFactory.instance.objectNode();
    for (Iterator<String> it = before.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!after.has(f) || after.get(f).isNull()) {
        patch.putNull(f);
      }
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = after.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode old = before.get(e.getKey());
      if (e.getValue().isNull()) {
        continue;
      }
      if (old == null || !old.equals(e.getValue())) {
        patch.set(e.getKey(), old == null ? e.getValue() : mergeDiff(old, e.getValue()));
      }
    }
    return patch;
  }
}
