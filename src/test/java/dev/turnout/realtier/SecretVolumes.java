package dev.turnout.realtier;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Secret volumes as a kubelet projects them for the agent that runs in the test JVM: every key of the Secret becomes a
 * file (content = the decoded value) in a temp dir, and env values naming the container's mount path are pointed at it.
 * A missing Secret keeps the container from starting, as on a node (the pod stays ContainerCreating; here the runner
 * fails the pod).
 */
final class SecretVolumes implements AutoCloseable {
  private final List<Path> dirs = new ArrayList<>();

  static SecretVolumes materialize(KubernetesClient client, Job job, Map<String, String> env) throws IOException {
    SecretVolumes v = new SecretVolumes();
    var pod = job.getSpec().getTemplate().getSpec();
    Container c = AgentPods.container(job);
    for (VolumeMount m : c.getVolumeMounts() == null ? List.<VolumeMount>of() : c.getVolumeMounts()) {
      Volume vol = pod.getVolumes().stream().filter(x -> x.getName().equals(m.getName())).findFirst().orElseThrow();
      if (vol.getSecret() == null) {
        continue;
      }
      String ns = job.getMetadata().getNamespace();
      Secret s = client.secrets().inNamespace(ns).withName(vol.getSecret().getSecretName()).get();
      if (s == null) {
        throw new IllegalStateException("FailedMount: secret " + ns + "/" + vol.getSecret().getSecretName() + " not found");
      }
      Path dir = Files.createTempDirectory("secret-volume");
      v.dirs.add(dir);
      if (s.getData() != null) {
        for (var e : s.getData().entrySet()) {
          Files.write(dir.resolve(e.getKey()), Base64.getDecoder().decode(e.getValue()));
        }
      }
      env.replaceAll((k, val) -> m.getMountPath().equals(val) ? dir.toString() : val);
    }
    return v;
  }

  @Override
  public void close() throws IOException {
    for (Path d : dirs) {
      try (Stream<Path> files = Files.walk(d)) {
        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }
}
