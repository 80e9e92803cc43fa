package dev.turnout.apprelease;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeProjection;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * The Secrets and ConfigMaps a pod template needs before it can start: env valueFrom keys, envFrom sources
 * and volumes. Optional references (optional: true) are not required. Pure: no API access.
 */
public final class ConfigReferences {
  public enum Kind {
    Secret,
    ConfigMap
  }

  /** One needed object, and the key needed in it (null when the whole object is used). */
  public record Reference(Kind kind, String name, String key, String usedBy) {
    public String describe() {
      return key == null
          ? String.format("%s %s (used by %s)", kind, name, usedBy)
          : String.format("%s %s key %s (used by %s)", kind, name, key, usedBy);
    }
  }

  private ConfigReferences() {}

  public static List<Reference> of(PodTemplateSpec template) {
    List<Reference> refs = new ArrayList<>();
    if (template == null || template.getSpec() == null) {
      return refs;
    }
    PodSpec spec = template.getSpec();
    Stream.concat(
            Stream.ofNullable(spec.getInitContainers()).flatMap(List::stream),
            Stream.ofNullable(spec.getContainers()).flatMap(List::stream))
        .forEach(c -> collect(c, refs));
    for (Volume v : Stream.ofNullable(spec.getVolumes()).flatMap(List::stream).toList()) {
      String usedBy = "volume " + v.getName();
      if (v.getSecret() != null && !Boolean.TRUE.equals(v.getSecret().getOptional())) {
        refs.add(new Reference(Kind.Secret, v.getSecret().getSecretName(), null, usedBy));
      }
      if (v.getConfigMap() != null && !Boolean.TRUE.equals(v.getConfigMap().getOptional())) {
        refs.add(new Reference(Kind.ConfigMap, v.getConfigMap().getName(), null, usedBy));
      }
      if (v.getProjected() != null && v.getProjected().getSources() != null) {
        for (VolumeProjection p : v.getProjected().getSources()) {
          if (p.getSecret() != null && !Boolean.TRUE.equals(p.getSecret().getOptional())) {
            refs.add(new Reference(Kind.Secret, p.getSecret().getName(), null, usedBy));
          }
          if (p.getConfigMap() != null && !Boolean.TRUE.equals(p.getConfigMap().getOptional())) {
            refs.add(new Reference(Kind.ConfigMap, p.getConfigMap().getName(), null, usedBy));
          }
        }
      }
    }
    return refs.stream().filter(r -> r.name() != null).distinct().toList();
  }

  private static void collect(Container c, List<Reference> refs) {
    for (EnvVar e : Stream.ofNullable(c.getEnv()).flatMap(List::stream).toList()) {
      if (e.getValueFrom() == null) {
        continue;
      }
      String usedBy = "container " + c.getName() + " env " + e.getName();
      var s = e.getValueFrom().getSecretKeyRef();
      if (s != null && !Boolean.TRUE.equals(s.getOptional())) {
        refs.add(new Reference(Kind.Secret, s.getName(), s.getKey(), usedBy));
      }
      var m = e.getValueFrom().getConfigMapKeyRef();
      if (m != null && !Boolean.TRUE.equals(m.getOptional())) {
        refs.add(new Reference(Kind.ConfigMap, m.getName(), m.getKey(), usedBy));
      }
    }
    for (EnvFromSource f : Stream.ofNullable(c.getEnvFrom()).flatMap(List::stream).toList()) {
      String usedBy = "container " + c.getName() + " envFrom";
      if (f.getSecretRef() != null && !Boolean.TRUE.equals(f.getSecretRef().getOptional())) {
        refs.add(new Reference(Kind.Secret, f.getSecretRef().getName(), null, usedBy));
      }
      if (f.getConfigMapRef() != null && !Boolean.TRUE.equals(f.getConfigMapRef().getOptional())) {
        refs.add(new Reference(Kind.ConfigMap, f.getConfigMapRef().getName(), null, usedBy));
      }
    }
  }

  /** Names of the objects referenced, for the checksum. */
  public static List<String> objectNames(List<Reference> refs, Kind kind) {
    return refs.stream().filter(r -> r.kind() == kind).map(Reference::name).filter(Objects::nonNull).distinct().sorted().toList();
  }
}
