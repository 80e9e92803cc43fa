package dev.turnout.apprelease;

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
 * Helm charts). Pure: what exists comes from a {@link Lookup} ({@link ReferencedConfig}'s informer caches).
 */
final class ConfigResolver {
  record ResolvedConfig(List<String> missing, String checksum) {}

  /** Digest per data key of a Secret or ConfigMap, or null when it does not exist. */
  interface Lookup {
    Map<String, String> digests(ConfigReferences.Kind kind, String namespace, String name);
  }

  private ConfigResolver() {}

  static ResolvedConfig resolve(AppRelease release, Lookup lookup) {
    String ns = release.getMetadata().getNamespace();
    List<String> missing = new ArrayList<>();
    TreeMap<String, String> digestInput = new TreeMap<>();
    Map<String, Map<String, String>> read = new HashMap<>();
    for (ConfigReferences.Reference ref : ConfigReferences.of(release.getSpec().template)) {
      Map<String, String> data = read.computeIfAbsent(ref.kind() + "/" + ref.name(), k -> lookup.digests(ref.kind(), ns, ref.name()));
      if (data == null) {
        missing.add(String.format("%s %s does not exist (used by %s)", ref.kind(), ref.name(), ref.usedBy()));
      } else if (ref.key() != null && !data.containsKey(ref.key())) {
        missing.add(String.format("%s %s has no key %s (used by %s)", ref.kind(), ref.name(), ref.key(), ref.usedBy()));
      } else {
        // key -> digest of the value, sorted: the values themselves are never kept
        digestInput.put(ref.kind() + "/" + ref.name(), new TreeMap<>(data).toString());
      }
    }
    return new ResolvedConfig(missing, digestInput.isEmpty() ? null : sha(digestInput.toString()));
  }

  static String sha(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)), 0, 8);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
