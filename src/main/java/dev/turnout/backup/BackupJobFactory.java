package dev.turnout.backup;

import static dev.turnout.backup.AgentJobSpecs.env;
import static dev.turnout.backup.AgentJobSpecs.jobNameEnv;
import static dev.turnout.backup.AgentJobSpecs.jobSpec;
import static dev.turnout.backup.AgentJobSpecs.meta;
import static dev.turnout.backup.AgentJobSpecs.s3Env;
import static dev.turnout.backup.AgentJobSpecs.secretEnv;

import dev.turnout.common.Labels;
import dev.turnout.restore.DatabaseRestore;
import dev.turnout.restore.DatabaseRestoreSpec;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobSpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Pure functions from the custom resources to the batch/v1 objects that run the backup agent. Secrets reach the pod
 * only through secretKeyRef env (read by the kubelet at pod start), never as literal values. The parts every agent Job
 * shares are in {@link AgentJobSpecs}; the restore drill's CronJob is built from them in {@link DrillJobs}.
 */
public final class BackupJobFactory {
  public static final String BACKUP_LABEL = "turnout.dev/backup";
  public static final String RESTORE_LABEL = "turnout.dev/restore";
  public static final String CONTAINER = "agent";
  /** Label the Job controller sets on each pod of a Job, with the Job's name (on every Kubernetes version since 1.25). */
  public static final String JOB_NAME_LABEL = "job-name";
  /**
   * ttlSecondsAfterFinished of on-demand (turnout.dev/backup-now) Jobs: 7 days, long enough to read a failed run's logs
   * after a weekend, and it bounds them as the CronJob's history limits (3 succeeded, 5 failed) bound scheduled ones.
   * The backups themselves live in S3 and in status; only the Job and its pod go.
   */
  public static final long ON_DEMAND_TTL_SECONDS = 7 * 24 * 3600L;
  /** Where the agent writes its final JSON result; the kubelet shows it as the container's termination message. */
  public static final String TERMINATION_MESSAGE_PATH = "/dev/termination-log";
  /** The agent's exit code for bad usage or settings (AgentMain): retrying cannot help. */
  public static final int EXIT_BAD_SETTINGS = 2;

  /**
   * Operator settings.
   *
   * @param agentImage default image (agent + mongodump/mongorestore/mongod) when the resource names none
   * @param serviceAccountName service account of the agent pods (needs no API permissions); null = namespace default
   * @param agentCommand command that runs AgentMain in the image; the subcommand is appended
   */
  public record Settings(String agentImage, String serviceAccountName, List<String> agentCommand) {
    public static final List<String> DEFAULT_COMMAND =
        List.of("java", "-cp", "/deployments/app/*:/deployments/lib/main/*", "dev.turnout.backup.agent.AgentMain");

    public Settings {
      agentCommand = agentCommand == null || agentCommand.isEmpty() ? DEFAULT_COMMAND : List.copyOf(agentCommand);
    }

    public Settings(String agentImage, String serviceAccountName) {
      this(agentImage, serviceAccountName, null);
    }
  }

  private BackupJobFactory() {}

  public static String cronJobName(DatabaseBackup backup) {
    return backup.getMetadata().getName() + "-backup";
  }

  /** {@code <backup>-now-<first 10 hex of sha256(token)>}. */
  public static String onDemandJobName(DatabaseBackup backup, String token) {
    return backup.getMetadata().getName() + "-now-" + sha256Hex(token).substring(0, 10);
  }

  public static String restoreJobName(DatabaseRestore restore) {
    return restore.getMetadata().getName() + "-restore";
  }

  /** The scheduled backups: one CronJob running {@code backup-and-verify}. */
  public static CronJob cronJob(DatabaseBackup backup, Settings settings) {
    return cronJob(backup, settings, false);
  }

  /**
   * The CronJob, suspended also while an on-demand backup is pending or running ({@code holdForOnDemand}, see
   * {@link OnDemandBackups#holdsSchedule}).
   */
  public static CronJob cronJob(DatabaseBackup backup, Settings settings, boolean holdForOnDemand) {
    DatabaseBackupSpec spec = backup.getSpec();
    return new CronJobBuilder()
        .withMetadata(meta(backup, cronJobName(backup), backupLabels(backup)))
        .withNewSpec()
        .withSchedule(spec.schedule)
        .withTimeZone(timeZone(spec))
        .withConcurrencyPolicy("Forbid")
        .withStartingDeadlineSeconds(orDefault(spec.startingDeadlineSeconds, 3600L))
        .withSuccessfulJobsHistoryLimit(3)
        .withFailedJobsHistoryLimit(5)
        .withSuspend(Boolean.TRUE.equals(spec.suspend) || holdForOnDemand)
        .withNewJobTemplate()
        .withNewMetadata()
        .withLabels(backupLabels(backup))
        .endMetadata()
        .withSpec(backupJobSpec(backup, settings))
        .endJobTemplate()
        .endSpec()
        .build();
  }

  /** One backup now (turnout.dev/backup-now), from the same template as the CronJob's. */
  public static Job onDemandJob(DatabaseBackup backup, String token, Settings settings) {
    Map<String, String> labels = backupLabels(backup);
    ObjectMeta meta = meta(backup, onDemandJobName(backup, token), labels);
    meta.setAnnotations(new LinkedHashMap<>(Map.of(Labels.BACKUP_NOW, token)));
    JobSpec spec = backupJobSpec(backup, settings);
    // the CronJob's history limits bound scheduled Jobs; nothing would ever delete on-demand ones
    spec.setTtlSecondsAfterFinished((int) ON_DEMAND_TTL_SECONDS);
    return new JobBuilder().withMetadata(meta).withSpec(spec).build();
  }

  /**
   * The restore Job. {@code storage} is the resolved storage (the restore's own, or its backupRef's); its credentials
   * Secret must exist in the restore's namespace.
   */
  public static Job restoreJob(DatabaseRestore restore, StorageSpec storage, Settings settings) {
    return restoreJob(restore, storage, settings, restore.getSpec().object, null);
  }

  /**
   * The restore Job for an object the operator already resolved ("latest" becomes a key, so the Job restores exactly
   * what status reports), with EXPECTED_SHA256 from its manifest: the agent refuses a manifest or object that differs.
   */
  public static Job restoreJob(DatabaseRestore restore, StorageSpec storage, Settings settings, String object, String expectedSha256) {
    return restoreJob(restore, storage, settings, object, expectedSha256, SMALL_TMP);
  }

  /**
   * ... with {@code tmpSizeLimit} for the Job's /tmp: room for the throwaway mongod when the agent replays the backup's
   * oplog (DatabaseRestore spec.scratchSizeLimit), else {@link #SMALL_TMP}.
   */
  public static Job restoreJob(DatabaseRestore restore, StorageSpec storage, Settings settings, String object,
      String expectedSha256, String tmpSizeLimit) {
    DatabaseRestoreSpec spec = restore.getSpec();
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE);
    labels.put(RESTORE_LABEL, restore.getMetadata().getName());
    List<EnvVar> env = new ArrayList<>();
    env.add(secretEnv("MONGODB_URI", spec.target.uriSecretRef));
    env.addAll(s3Env(storage.s3));
    env.add(env("OBJECT", object));
    if (spec.backupRef != null) {
      // the agent's "latest" is that DatabaseBackup's newest verified backup, never another owner's on the same prefix
      env.add(env("OWNER_NAMESPACE", spec.backupRef.namespace == null ? restore.getMetadata().getNamespace() : spec.backupRef.namespace));
      env.add(env("OWNER_NAME", spec.backupRef.name));
    }
    if (expectedSha256 != null) {
      env.add(env("EXPECTED_SHA256", expectedSha256));
    }
    env.add(env("DROP", String.valueOf(Boolean.TRUE.equals(spec.drop))));
    // names the staging collections, so a retried pod drops what an interrupted one of the same restore left
    if (restore.getMetadata().getUid() != null) {
      env.add(env("RESTORE_ID", restore.getMetadata().getUid()));
    }
    if (spec.nsFrom != null && !spec.nsFrom.isEmpty()) {
      env.add(env("NS_FROM", spec.nsFrom));
      env.add(env("NS_TO", spec.nsTo));
    }
    // IfAvailable | Required | Off: the agent replays the oplog of a point-in-time backup unless Off
    env.add(env("POINT_IN_TIME", spec.pointInTime == null ? "IfAvailable" : spec.pointInTime.name()));
    String image = spec.image != null ? spec.image : settings.agentImage();
    JobSpec jobSpec = EncryptionJobs.withKeys(jobSpec(image, settings, "restore", env, null, 0, null, labels, tmpSizeLimit), storage);
    return new JobBuilder().withMetadata(meta(restore, restoreJobName(restore), labels)).withSpec(jobSpec).build();
  }

  /** The spec of every backup Job (the CronJob's template, and on-demand Jobs but for their TTL). */
  static JobSpec backupJobSpec(DatabaseBackup backup, Settings settings) {
    DatabaseBackupSpec spec = backup.getSpec();
    List<EnvVar> env = new ArrayList<>();
    env.add(secretEnv("MONGODB_URI", spec.mongodb.uriSecretRef));
    env.addAll(s3Env(spec.storage.s3));
    List<String> dbs = spec.mongodb.databases == null ? List.of() : spec.mongodb.databases;
    env.add(env("DATABASES", String.join(",", dbs)));
    env.add(env("VERIFY_MODE", spec.verify == null || spec.verify.mode == null ? "Checksum" : spec.verify.mode.name()));
    env.add(env("TIME_ZONE", timeZone(spec)));
    env.add(jobNameEnv());
    // recorded in each manifest: retention, latest and status consider only the backups this DatabaseBackup wrote
    env.add(env("OWNER_NAMESPACE", backup.getMetadata().getNamespace()));
    env.add(env("OWNER_NAME", backup.getMetadata().getName()));
    env.add(env("OWNER_UID", backup.getMetadata().getUid()));
    String image = spec.image != null ? spec.image : settings.agentImage();
    return EncryptionJobs.withKeys(jobSpec(
        image,
        settings,
        "backup-and-verify",
        env,
        orDefault(spec.activeDeadlineSeconds, 7200L),
        orDefault(spec.backoffLimit, 1),
        spec.resources,
        backupLabels(backup),
        scratchSize(spec)), spec.storage);
  }

  /** /tmp of Jobs that keep only small files there (the 0600 --config file of each tool run). */
  public static final String SMALL_TMP = "256Mi";

  /** RestoreTest's throwaway mongod writes the restored data to /tmp: bounded, so a big backup cannot fill the node. */
  private static String scratchSize(DatabaseBackupSpec spec) {
    if (spec.verify == null || spec.verify.mode != DatabaseBackupSpec.VerifyMode.RestoreTest) {
      return SMALL_TMP;
    }
    return spec.verify.scratchSizeLimit == null ? "10Gi" : spec.verify.scratchSizeLimit;
  }

  private static Map<String, String> backupLabels(DatabaseBackup backup) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE);
    labels.put(BACKUP_LABEL, backup.getMetadata().getName());
    return labels;
  }

  static String timeZone(DatabaseBackupSpec spec) {
    return spec.timeZone == null || spec.timeZone.isBlank() ? "Etc/UTC" : spec.timeZone;
  }

  private static <T> T orDefault(T v, T d) {
    return v == null ? d : v;
  }

  static String sha256Hex(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
