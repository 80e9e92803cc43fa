package dev.turnout.sim;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import java.util.Map;
import java.util.Objects;

/** Small helpers about labels and owners shared by the simulated controllers. */
final class Selectors {
  private Selectors() {}

  /** Equality-based selector match, as a Service selector or a matchLabels block works. */
  static boolean matches(Map<String, String> selector, Map<String, String> labels) {
    if (selector == null || selector.isEmpty()) {
      return false;
    }
    Map<String, String> actual = labels == null ? Map.of() : labels;
    return selector.entrySet().stream()
        .allMatch(e -> Objects.equals(actual.get(e.getKey()), e.getValue()));
  }

  static boolean matches(String namespace, Map<String, String> selector, HasMetadata object) {
    return namespace.equals(object.getMetadata().getNamespace())
        && matches(selector, object.getMetadata().getLabels());
  }

  static boolean isOwnedBy(HasMetadata dependent, String ownerUid) {
    return dependent.getMetadata().getOwnerReferences().stream()
        .anyMatch(ref -> ownerUid.equals(ref.getUid()));
  }

  static OwnerReference controllerRef(HasMetadata owner) {
    return new io.fabric8.kubernetes.api.model.OwnerReferenceBuilder()
        .withApiVersion(owner.getApiVersion())
        .withKind(owner.getKind())
        .withName(owner.getMetadata().getName())
        .withUid(owner.getMetadata().getUid())
        .withController(true)
        .withBlockOwnerDeletion(true)
        .build();
  }

  static String key(HasMetadata object) {
    return object.getMetadata().getNamespace() + "/" + object.getMetadata().getName();
  }
}
