package dev.turnout.common;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Creates and updates the objects Turnout owns. Each desired object carries the hash of its desired state
 * in an annotation; an object whose hash matches is left alone, so reconciling an unchanged resource makes
 * no write. Objects without this owner's reference are never adopted, overwritten or deleted.
 */
public final class OwnedObjects {
  private OwnedObjects() {}

  public static OwnerReference ownerReference(HasMetadata owner) {
    return new OwnerReferenceBuilder()
        .withApiVersion(owner.getApiVersion())
        .withKind(owner.getKind())
        .withName(owner.getMetadata().getName())
        .withUid(owner.getMetadata().getUid())
        .withController(true)
        .withBlockOwnerDeletion(true)
        .build();
  }

  public static boolean isOwnedBy(HasMetadata object, HasMetadata owner) {
    return object.getMetadata().getOwnerReferences() != null
        && object.getMetadata().getOwnerReferences().stream()
            .anyMatch(r -> owner.getMetadata().getUid() != null && owner.getMetadata().getUid().equals(r.getUid()));
  }

  /** Message for an object that exists with the wanted name but that this owner did not create. */
  public static Optional<String> conflict(HasMetadata existing, HasMetadata owner) {
    if (existing == null || isOwnedBy(existing, owner)) {
      return Optional.empty();
    }
    return Optional.of(
        String.format(
            "%s %s/%s already exists and is not owned by %s %s; Turnout never adopts or overwrites objects it did not"
                + " create: rename it, or set another name in the spec",
            existing.getKind(),
            existing.getMetadata().getNamespace(),
            existing.getMetadata().getName(),
            owner.getKind(),
            owner.getMetadata().getName()));
  }

  public static String hash(Object desired) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] d = md.digest(Serialization.asJson(desired).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 10);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Makes the cluster hold {@code desired}: creates it when {@code actual} is null, updates it when the hash of
   * the desired state differs from the one recorded on {@code actual}, and does nothing otherwise.
   * {@code preserve} copies fields other controllers own (e.g. a Service's clusterIP) from actual into desired.
   *
   * @return the written object, or {@code actual} when no write was needed
   */
  public static <T extends HasMetadata> T apply(
      KubernetesClient client, T actual, T desired, UnaryOperator<T> preserve, WriteCounter counter) {
    return apply(client, actual, desired, hash(desired), preserve, counter);
  }

  /** As {@link #apply(KubernetesClient, HasMetadata, HasMetadata, UnaryOperator, WriteCounter)} with a given hash. */
  public static <T extends HasMetadata> T apply(
      KubernetesClient client, T actual, T desired, String hash, UnaryOperator<T> preserve, WriteCounter counter) {
    Map<String, String> annotations = new HashMap<>(Optional.ofNullable(desired.getMetadata().getAnnotations()).orElse(Map.of()));
    annotations.put(Labels.APPLIED_HASH, hash);
    desired.getMetadata().setAnnotations(annotations);
    if (actual == null) {
      counter.write();
      return client.resource(desired).create();
    }
    String actualHash = Optional.ofNullable(actual.getMetadata().getAnnotations()).map(a -> a.get(Labels.APPLIED_HASH)).orElse(null);
    if (hash.equals(actualHash)) {
      return actual;
    }
    // keep what others put on the object: foreign labels and annotations, and fields other controllers own
    Map<String, String> mergedLabels = new HashMap<>(Optional.ofNullable(actual.getMetadata().getLabels()).orElse(Map.of()));
    mergedLabels.putAll(Optional.ofNullable(desired.getMetadata().getLabels()).orElse(Map.of()));
    desired.getMetadata().setLabels(mergedLabels);
    Map<String, String> mergedAnnotations = new HashMap<>(Optional.ofNullable(actual.getMetadata().getAnnotations()).orElse(Map.of()));
    mergedAnnotations.putAll(annotations);
    desired.getMetadata().setAnnotations(mergedAnnotations);
    desired.getMetadata().setResourceVersion(actual.getMetadata().getResourceVersion());
    T toWrite = preserve == null ? desired : preserve.apply(desired);
    counter.write();
    return client.resource(toWrite).update();
  }

  /** Counts writes, for metrics and for the zero-writes-on-no-op guarantee. */
  public interface WriteCounter {
    void write();

    WriteCounter NONE = () -> {};
  }
}
