package dev.turnout.backup;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * What encryption adds to the backup, verify and restore Jobs: the server-side encryption env (S3_SSE,
 * S3_SSE_KMS_KEY_ID) and, with client-side encryption, the key Secret mounted read-only as a volume with
 * ENCRYPTION_KEY_DIR (its mount path) and ENCRYPTION_KEY_ID. The keys are files, never env: the tools the agent starts
 * inherit its environment.
 */
public final class EncryptionJobs {
  public static final String KEY_VOLUME = "encryption-keys";
  public static final String KEY_DIR = "/var/run/turnout/encryption-keys";

  private EncryptionJobs() {}

  /** S3_SSE and S3_SSE_KMS_KEY_ID, or nothing without serverSideEncryption. */
  static List<EnvVar> sseEnv(StorageSpec.S3Spec s3) {
    List<EnvVar> env = new ArrayList<>();
    if (s3.serverSideEncryption != null && s3.serverSideEncryption.type != null) {
      env.add(env("S3_SSE", s3.serverSideEncryption.type.headerValue()));
      if (s3.serverSideEncryption.kmsKeyId != null) {
        env.add(env("S3_SSE_KMS_KEY_ID", s3.serverSideEncryption.kmsKeyId));
      }
    }
    return env;
  }

  /** Mounts the key Secret into the agent container of {@code job} (a no-op without clientSideEncryption); returns it. */
  /** The image's user's id (Dockerfile: USER 10001), as the group that may read the key files. */
  static final long KEY_FS_GROUP = 10001L;

  static JobSpec withKeys(JobSpec job, StorageSpec storage) {
    if (storage == null || storage.clientSideEncryption == null || storage.clientSideEncryption.keySecretRef == null) {
      return job;
    }
    PodSpec pod = job.getTemplate().getSpec();
    // the kubelet writes Secret files as root; the agent runs as a non-root user (10001 in Turnout's image). With
    // fsGroup the files' group is that group, added to the container's processes whatever their uid, and 0440 lets
    // the group read them: 0400 without fsGroup left the key unreadable to a non-root agent
    pod.getVolumes().add(new VolumeBuilder().withName(KEY_VOLUME)
        .withNewSecret().withSecretName(storage.clientSideEncryption.keySecretRef.name).withDefaultMode(0440).endSecret()
        .build());
    if (pod.getSecurityContext() == null) {
      pod.setSecurityContext(new io.fabric8.kubernetes.api.model.PodSecurityContext());
    }
    if (pod.getSecurityContext().getFsGroup() == null) {
      pod.getSecurityContext().setFsGroup(KEY_FS_GROUP);
    }
    pod.getContainers().stream().filter(c -> BackupJobFactory.CONTAINER.equals(c.getName())).forEach(c -> {
      c.getVolumeMounts().add(new VolumeMountBuilder().withName(KEY_VOLUME).withMountPath(KEY_DIR).withReadOnly(true).build());
      c.getEnv().add(env("ENCRYPTION_KEY_DIR", KEY_DIR));
      c.getEnv().add(env("ENCRYPTION_KEY_ID", storage.clientSideEncryption.keyId));
    });
    return job;
  }

  private static EnvVar env(String name, String value) {
    return new EnvVarBuilder().withName(name).withValue(value).build();
  }
}
