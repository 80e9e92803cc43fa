package dev.turnout.restore;

import dev.turnout.backup.BackupJobFactory;
import dev.turnout.common.OwnedObjects;
import dev.turnout.common.Times;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.List;
import java.util.Optional;

/**
 * What a restore Job restores, read back from the Job itself. The operator resolves "latest" once, before it creates
 * the Job, and passes the exact key (OBJECT) and its manifest's sha256 (EXPECTED_SHA256) to it. If the operator stops
 * between creating the Job and recording it in status, the next reconcile finds the Job and takes both from the Job's
 * env: resolving "latest" again could name a newer backup than the one the Job restores.
 */
final class RestoreJobs {
  /** The restore Job's object and sha256, and when the API server created it. */
  record Adopted(String jobName, String object, String sha256, String createdAt) {}

  private RestoreJobs() {}

  /** The Job, if it is this restore's own (owner reference with its uid), as status should describe it. */
  static Optional<Adopted> adopt(Job job, DatabaseRestore restore) {
    if (job == null || !OwnedObjects.isOwnedBy(job, restore)) {
      return Optional.empty();
    }
    return Optional.of(new Adopted(job.getMetadata().getName(), env(job, "OBJECT"), env(job, "EXPECTED_SHA256"),
        job.getMetadata().getCreationTimestamp() == null ? null : Times.format(Times.parse(job.getMetadata().getCreationTimestamp()))));
  }

  static String env(Job job, String name) {
    List<EnvVar> env = job.getSpec().getTemplate().getSpec().getContainers().stream()
        .filter(c -> BackupJobFactory.CONTAINER.equals(c.getName()))
        .findFirst()
        .map(c -> c.getEnv() == null ? List.<EnvVar>of() : c.getEnv())
        .orElse(List.of());
    return env.stream().filter(e -> name.equals(e.getName()) && e.getValueFrom() == null).map(EnvVar::getValue).findFirst().orElse(null);
  }
}
