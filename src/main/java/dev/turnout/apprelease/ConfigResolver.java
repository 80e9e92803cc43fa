package dev.turnout.apprelease;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The Secrets and ConfigMaps a release's pod template uses (env, envFrom, volumes): which are missing, and a checksum
 * of the data of those that exist, so that a change of their data is a new revision (like the checksum annotation of
 * Helm charts).
 */
final class ConfigResolver {
  record ResolvedConfig(List<String> missing, String checksum) {}

  private ConfigResolver() {}

  static ResolvedConfig resolve(KubernetesClient client, AppRelease release) {
    String ns = release.getMetadata().getNamespace();
    List<String> missing = new ArrayList<>();
    TreeMap<String, String> digestInput = new TreeMap<>();
    Map<String, Map<String, String>> read = new HashMap<>();
    for (ConfigReferences.Reference ref : ConfigReferences.of(release.getSpec().template)) {
      Map<String, String> data = read.computeIfAbsent(ref.kind() + "/" + ref.name(), k -> data(client, ns, ref));
      if (data == null) {
        missing.add(String.format("%s %s does not exist (used by %s)", ref.kind(), ref.name(), ref.usedBy()));
      } else if (ref.key() != null && !data.containsKey(ref.key())) {
        missing.add(String.format("%s %s has no key %s (used by %s)", ref.kind(), ref.name(), ref.key(), ref.usedBy()));
      } else {
        digestInput.put(ref.kind() + "/" + ref.name(), data.toString());
      }
    }
    return new ResolvedConfig(missing, digestInput.isEmpty() ? null : sha(digestInput.toString()));
  }

  private static Map<String, String> data(KubernetesClient client, String ns, ConfigReferences.Reference ref) {
    if (ref.kind() == ConfigReferences.Kind.Secret) {
      Secret s = client.secrets().inNamespace(ns).withName(ref.name()).get();
      if (s == null) {
        return null;
      }
      Map<String, String> d = new TreeMap<>(s.getData() == null ? Map.of() : s.getData());
      if (s.getStringData() != null) {
        d.putAll(s.getStringData());
      }
      return d;
    }
    ConfigMap c = client.configMaps().inNamespace(ns).withName(ref.name()).get();
    if (c == null) {
      return null;
    }
    Map<String, String> d = new TreeMap<>(c.getData() == null ? Map.of() : c.getData());
    if (c.getBinaryData() != null) {
      d.putAll(c.getBinaryData());
    }
    return d;
  }

  static String sha(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)), 0, 8);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
