package dev.turnout.backup;

import dev.turnout.common.OwnedObjects;
import dev.turnout.common.SecretKeyRef;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobSpec;
import io.fabric8.kubernetes.api.model.batch.v1.JobSpecBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parts every Job of the backup agent is built from (backup, restore and drill Jobs: {@link BackupJobFactory},
 * {@link DrillJobs}): the locked-down pod template with its bounded /tmp, the pod failure policy for the agent's exit
 * code 2, and the env entries (S3 settings, Secrets by reference only, JOB_NAME from the pod's label).
 */
final class AgentJobSpecs {
  private AgentJobSpecs() {}

  /** The spec of one agent Job running {@code subcommand}: no API token, non-root, read-only root, /tmp bounded. */
  static JobSpec jobSpec(
      String image,
      BackupJobFactory.Settings settings,
      String subcommand,
      List<EnvVar> env,
      Long activeDeadlineSeconds,
      int backoffLimit,
      io.fabric8.kubernetes.api.model.ResourceRequirements resources,
      Map<String, String> labels,
      String tmpSizeLimit) {
    List<String> command = new ArrayList<>(settings.agentCommand());
    command.add(subcommand);
    Container c =
        new ContainerBuilder()
            .withName(BackupJobFactory.CONTAINER)
            .withImage(image)
            .withCommand(command)
            .withEnv(withTerminationMessagePath(env))
            .withResources(resources)
            // the agent writes its result to TERMINATION_MESSAGE_PATH; killed before that, the log's tail stands in
            .withTerminationMessagePath(BackupJobFactory.TERMINATION_MESSAGE_PATH)
            .withTerminationMessagePolicy("FallbackToLogsOnError")
            .withNewSecurityContext()
            .withRunAsNonRoot(true)
            .withReadOnlyRootFilesystem(true)
            .withAllowPrivilegeEscalation(false)
            .withNewCapabilities()
            .withDrop("ALL")
            .endCapabilities()
            .endSecurityContext()
            .addNewVolumeMount()
            .withName("tmp")
            .withMountPath("/tmp")
            .endVolumeMount()
            .build();
    return new JobSpecBuilder()
        .withBackoffLimit(backoffLimit)
        .withActiveDeadlineSeconds(activeDeadlineSeconds)
        // exit 2 = the agent refused its settings: fail the Job at once (reason PodFailurePolicy) instead of retrying
        // what cannot succeed; the reconciler reports it as InvalidSettings
        .withNewPodFailurePolicy()
        .addNewRule()
        .withAction("FailJob")
        .withNewOnExitCodes()
        .withContainerName(BackupJobFactory.CONTAINER)
        .withOperator("In")
        .withValues(BackupJobFactory.EXIT_BAD_SETTINGS)
        .endOnExitCodes()
        .endRule()
        .endPodFailurePolicy()
        .withNewTemplate()
        .withNewMetadata()
        .withLabels(labels)
        .endMetadata()
        .withSpec(
            new PodSpecBuilder()
                .withRestartPolicy("Never")
                .withServiceAccountName(settings.serviceAccountName())
                .withAutomountServiceAccountToken(false)
                .withNewSecurityContext()
                .withRunAsNonRoot(true)
                .withNewSeccompProfile()
                .withType("RuntimeDefault")
                .endSeccompProfile()
                .endSecurityContext()
                .withContainers(c)
                .addNewVolume()
                .withName("tmp")
                .withNewEmptyDir()
                .withSizeLimit(new io.fabric8.kubernetes.api.model.Quantity(tmpSizeLimit))
                .endEmptyDir()
                .endVolume()
                .build())
        .endTemplate()
        .build();
  }

  private static List<EnvVar> withTerminationMessagePath(List<EnvVar> env) {
    List<EnvVar> all = new ArrayList<>(env);
    all.add(env("TERMINATION_MESSAGE_PATH", BackupJobFactory.TERMINATION_MESSAGE_PATH));
    return all;
  }

  /** The Jobs' S3 env: jobCredentialsSecretRef when set (put/get/list, no delete), else credentialsSecretRef. */
  static List<EnvVar> s3Env(StorageSpec.S3Spec s3) {
    StorageSpec.CredentialsRef cred = s3.jobCredentials();
    List<EnvVar> env = new ArrayList<>();
    env.add(secretEnv("AWS_ACCESS_KEY_ID", new SecretKeyRef(cred.name, cred.accessKeyIdKeyOrDefault())));
    env.add(secretEnv("AWS_SECRET_ACCESS_KEY", new SecretKeyRef(cred.name, cred.secretAccessKeyKeyOrDefault())));
    env.add(env("S3_ENDPOINT", s3.endpoint == null ? "" : s3.endpoint));
    env.add(env("S3_REGION", or(s3.region, "us-east-1")));
    env.add(env("S3_BUCKET", s3.bucket));
    env.add(env("S3_PREFIX", or(s3.prefix, "")));
    env.add(env("S3_FORCE_PATH_STYLE", String.valueOf(Boolean.TRUE.equals(s3.forcePathStyle))));
    env.addAll(EncryptionJobs.sseEnv(s3));
    return env;
  }

  static EnvVar secretEnv(String name, SecretKeyRef ref) {
    return new EnvVarBuilder()
        .withName(name)
        .withNewValueFrom()
        .withNewSecretKeyRef()
        .withName(ref.name)
        .withKey(ref.key)
        .withOptional(false)
        .endSecretKeyRef()
        .endValueFrom()
        .build();
  }

  /**
   * JOB_NAME from the pod's {@value BackupJobFactory#JOB_NAME_LABEL} label, which the Job controller sets on every pod
   * of a Job (a CronJob's Job names are not known in advance). The agent writes it into the manifest, and the operator
   * counts a succeeded Job as a backup only when a manifest names it.
   */
  static EnvVar jobNameEnv() {
    return new EnvVarBuilder()
        .withName("JOB_NAME")
        .withNewValueFrom()
        .withNewFieldRef()
        .withFieldPath("metadata.labels['" + BackupJobFactory.JOB_NAME_LABEL + "']")
        .endFieldRef()
        .endValueFrom()
        .build();
  }

  static EnvVar env(String name, String value) {
    return new EnvVarBuilder().withName(name).withValue(value).build();
  }

  static ObjectMeta meta(HasMetadata owner, String name, Map<String, String> labels) {
    ObjectMetaBuilder b =
        new ObjectMetaBuilder()
            .withName(name)
            .withNamespace(owner.getMetadata().getNamespace())
            .withLabels(new LinkedHashMap<>(labels));
    if (owner.getMetadata().getUid() != null) {
      b.withOwnerReferences(OwnedObjects.ownerReference(owner));
    }
    return b.build();
  }

  private static <T> T or(T v, T d) {
    return v == null ? d : v;
  }
}
