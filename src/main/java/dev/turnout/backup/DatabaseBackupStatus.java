package dev.turnout.backup;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class DatabaseBackupStatus {
  @JsonPropertyDescription("metadata.generation this status was computed from.")
  public Long observedGeneration;

  @JsonPropertyDescription(
      "Ready, LastBackupSucceeded, Verified, StorageReachable (False: StorageError or StorageTimeout), StorageShared"
          + " (True: another DatabaseBackup uses an overlapping bucket and prefix; each keeps and prunes only the backups"
          + " whose manifest names it as owner), RestoreDrill (with spec.drill: True DrillPassed, False DrillFailed, Unknown"
          + " NoDrillYet).")
  public List<Condition> conditions = new ArrayList<>();

  @JsonPropertyDescription("When the CronJob last started a backup.")
  public String lastScheduleTime;

  @JsonPropertyDescription("When the schedule fires next.")
  public String nextScheduleTime;

  @JsonPropertyDescription(
      "The newest of this DatabaseBackup's own backups (manifest owner = its namespace and name) whose manifest was"
          + " written after a complete upload.")
  public BackupRecord lastSuccessfulBackup;

  @JsonPropertyDescription("Completion time of lastSuccessfulBackup (for kubectl get).")
  public String lastSuccessTime;

  @JsonPropertyDescription("Size of lastSuccessfulBackup, human-readable (for kubectl get).")
  public String lastSuccessSize;

  @JsonPropertyDescription("The last failed run.")
  public Failure lastFailure;

  @JsonPropertyDescription(
      "This DatabaseBackup's own backups kept by retention, newest first. Backups of other owners, or without an owner"
          + " (older agents), under the same prefix are never listed here nor pruned.")
  public List<BackupRecord> backups = new ArrayList<>();

  @JsonPropertyDescription("Last turnout.dev/backup-now value acted upon.")
  public String lastBackupNowToken;

  @JsonPropertyDescription(
      "Backup Jobs of this DatabaseBackup that have not finished yet (scheduled and on-demand), oldest first. An"
          + " AppRelease's backupBeforePromotion waits for one of these instead of asking for another backup.")
  public List<RunningJob> runningJobs;

  @JsonPropertyDescription("The newest finished restore drill (spec.drill); absent when no drill is configured.")
  public LastDrill lastDrill;

  @JsonPropertyDescription(
      "Newest backup Job that exited 0 and was checked against storage (its manifest looked up once), so that it is"
          + " not checked again.")
  public String lastCheckedJob;

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class BackupRecord {
    @JsonPropertyDescription("Object key of the archive.")
    public String object;

    @JsonPropertyDescription("Size of the archive in bytes.")
    public Long sizeBytes;

    @JsonPropertyDescription("sha256 of the archive, hex.")
    public String sha256;

    @JsonPropertyDescription("When mongodump started.")
    public String startedAt;

    @JsonPropertyDescription("When the manifest was written.")
    public String completedAt;

    @JsonPropertyDescription("Whether verification passed.")
    public Boolean verified;

    @JsonPropertyDescription(
        "When the S3 server stored the manifest (its LastModified; the manifest is rewritten when verification ends):"
            + " a server's time, compared with other servers' times instead of the agent's clock.")
    public String storedAt;

    @JsonPropertyDescription("The backup Job that wrote it (from the manifest; empty from older agents).")
    public String job;

    @JsonPropertyDescription(
        "True when mongodump ran with --oplog (a replica set, all databases): the dump is consistent at one instant."
            + " False otherwise; empty from older agents.")
    public Boolean pointInTime;

    @JsonPropertyDescription("replicaSet, standalone, sharded or unknown: how the server answered hello when the backup started.")
    public String topology;

    @JsonPropertyDescription(
        "Set when retention would prune this backup but S3 Object Lock forbids deleting it yet (legal hold, or a"
            + " GOVERNANCE/COMPLIANCE retain-until date after the S3 server's clock): which object and why. Retention"
            + " tries again on later storage reads and prunes it once S3 allows.")
    public String objectLock;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class RunningJob {
    @JsonPropertyDescription("Name of the Job.")
    public String job;

    @JsonPropertyDescription("When the Job was created.")
    public String createdAt;

    @JsonPropertyDescription("The turnout.dev/backup-now value it runs for; empty for a scheduled run.")
    public String token;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Failure {
    @JsonPropertyDescription("When the run failed.")
    public String time;

    @JsonPropertyDescription("Machine-readable reason.")
    public String reason;

    @JsonPropertyDescription("What went wrong, for a person.")
    public String message;

    @JsonPropertyDescription("Name of the backup Job of this run.")
    public String job;
  }
}
