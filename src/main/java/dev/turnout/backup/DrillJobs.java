package dev.turnout.backup;

import dev.turnout.common.Labels;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The restore drill's CronJob (pure): {@code <name>-drill} runs the agent's {@code drill} command on spec.drill.schedule
 * in the DatabaseBackup's timeZone, concurrencyPolicy Forbid.
 *
 * <p>Its objects carry {@value #DRILL_LABEL}={@code <name>} and NOT turnout.dev/backup: a drill Job is no backup Job
 * (it must not count as a backup run, hold back backup-now, or be waited for by backupBeforePromotion), so it stays out
 * of the backup informers and has its own (RestoreDrills). The pod gets S3 settings (the Jobs' credentials; a drill only
 * lists and reads) and the owner, never the MongoDB URI: it restores into its own throwaway mongod.
 */
public final class DrillJobs {
  /** Name of the DatabaseBackup a drill CronJob, Job or pod belongs to. */
  public static final String DRILL_LABEL = "turnout.dev/drill";
  public static final String DEFAULT_SCRATCH = "10Gi";
  static final long DEFAULT_DEADLINE_SECONDS = 7200L;

  private DrillJobs() {}

  public static String cronJobName(DatabaseBackup backup) {
    return backup.getMetadata().getName() + "-drill";
  }

  public static CronJob cronJob(DatabaseBackup backup, BackupJobFactory.Settings settings) {
    DatabaseBackupSpec spec = backup.getSpec();
    DrillSpec drill = spec.drill;
    return new CronJobBuilder()
        .withMetadata(AgentJobSpecs.meta(backup, cronJobName(backup), labels(backup)))
        .withNewSpec()
        .withSchedule(drill.schedule)
        .withTimeZone(BackupJobFactory.timeZone(spec))
        .withConcurrencyPolicy("Forbid")
        .withStartingDeadlineSeconds(spec.startingDeadlineSeconds == null ? 3600L : spec.startingDeadlineSeconds)
        .withSuccessfulJobsHistoryLimit(3)
        .withFailedJobsHistoryLimit(3)
        .withSuspend(Boolean.TRUE.equals(drill.suspend))
        .withNewJobTemplate()
        .withNewMetadata()
        .withLabels(labels(backup))
        .endMetadata()
        .withSpec(jobSpec(backup, settings))
        .endJobTemplate()
        .endSpec()
        .build();
  }

  /** Not retried (backoffLimit 0): a drill that failed is the finding, and a retry would hide a flaky restore. */
  static JobSpec jobSpec(DatabaseBackup backup, BackupJobFactory.Settings settings) {
    DatabaseBackupSpec spec = backup.getSpec();
    List<EnvVar> env = new ArrayList<>(AgentJobSpecs.s3Env(spec.storage.s3));
    env.add(AgentJobSpecs.jobNameEnv());
    // whose newest verified backup the drill restores (never another DatabaseBackup's on the same prefix)
    env.add(AgentJobSpecs.env("OWNER_NAMESPACE", backup.getMetadata().getNamespace()));
    env.add(AgentJobSpecs.env("OWNER_NAME", backup.getMetadata().getName()));
    env.add(AgentJobSpecs.env("OWNER_UID", backup.getMetadata().getUid()));
    String image = spec.image != null ? spec.image : settings.agentImage();
    DrillSpec drill = spec.drill;
    // encrypted backups: the key Secret mounted as for backups and restores (the manifest names the key id to use)
    return EncryptionJobs.withKeys(AgentJobSpecs.jobSpec(
        image,
        settings,
        "drill",
        env,
        drill.activeDeadlineSeconds == null ? DEFAULT_DEADLINE_SECONDS : drill.activeDeadlineSeconds,
        0,
        spec.resources,
        labels(backup),
        drill.scratchSizeLimit == null ? DEFAULT_SCRATCH : drill.scratchSizeLimit), spec.storage);
  }

  public static boolean isDrill(Job job) {
    return job.getMetadata().getLabels() != null && job.getMetadata().getLabels().containsKey(DRILL_LABEL);
  }

  static Map<String, String> labels(DatabaseBackup backup) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE);
    labels.put(DRILL_LABEL, backup.getMetadata().getName());
    return labels;
  }
}
