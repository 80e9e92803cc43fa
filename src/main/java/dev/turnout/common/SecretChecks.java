package dev.turnout.common;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Checks that a Secret a spec field names exists and has the keys it needs; messages name the field. */
public final class SecretChecks {
  private SecretChecks() {}

  public static Optional<String> missing(KubernetesClient client, String namespace, String field, String secretName, List<String> keys) {
    Secret s = client.secrets().inNamespace(namespace).withName(secretName).get();
    if (s == null) {
      return Optional.of(String.format("%s: Secret %s/%s does not exist", field, namespace, secretName));
    }
    Map<String, String> data = s.getData() == null ? Map.of() : s.getData();
    Map<String, String> stringData = s.getStringData() == null ? Map.of() : s.getStringData();
    for (String key : keys) {
      if (key != null && !data.containsKey(key) && !stringData.containsKey(key)) {
        return Optional.of(String.format("%s: Secret %s/%s has no key %s", field, namespace, secretName, key));
      }
    }
    return Optional.empty();
  }
}
