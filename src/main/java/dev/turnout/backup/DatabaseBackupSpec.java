package dev.turnout.backup;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.turnout.common.SecretKeyRef;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class DatabaseBackupSpec {
  /** Five cron fields, or one of the macros the CronJob controller accepts. */
  public static final String CRON_PATTERN =
      "^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|(\\S+\\s+){4}\\S+)$";

  @Required
  @JsonPropertyDescription("The MongoDB to dump.")
  public MongoSpec mongodb;

  @Required
  @Pattern(CRON_PATTERN)
  @JsonPropertyDescription("Cron schedule (five fields, or @daily and the like), in timeZone.")
  public String schedule;

  @Default("Etc/UTC")
  @Pattern("^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$")
  @JsonPropertyDescription("IANA time zone of the schedule and of retention's days, weeks and months, e.g. Europe/Paris.")
  public String timeZone;

  @Default("false")
  @JsonPropertyDescription("Suspend scheduled backups (the CronJob's suspend); on-demand backups still run.")
  public Boolean suspend;

  @Required
  @JsonPropertyDescription("Where backups are written.")
  public StorageSpec storage;

  @JsonPropertyDescription("How many backups to keep (grandfather-father-son). The newest verified backup is never pruned.")
  public RetentionSpec retention;

  @JsonPropertyDescription("How each backup is verified after its upload.")
  public VerifySpec verify;

  @JsonPropertyDescription(
      "Restore drills on a schedule: the newest verified backup restored into a throwaway mongod in the drill pod and"
          + " every collection counted against its manifest; the result in status.lastDrill and the RestoreDrill"
          + " condition. Read-only on S3; the drill pod gets no MongoDB credentials. Absent: no drills.")
  public DrillSpec drill;

  @Default("3600")
  @Min(10)
  @Max(86400)
  @JsonPropertyDescription("A run that could not start within this many seconds of its time is skipped (and reported).")
  public Long startingDeadlineSeconds;

  @Default("7200")
  @Min(60)
  @Max(172800)
  @JsonPropertyDescription("A backup Job running longer than this is stopped and counts as failed.")
  public Long activeDeadlineSeconds;

  @Default("1")
  @Min(0)
  @Max(10)
  @JsonPropertyDescription("Retries of a failed backup pod within one run (Job backoffLimit).")
  public Integer backoffLimit;

  @JsonPropertyDescription(
      "Image with mongodump and the Turnout backup agent. Default: the operator's configured backup image.")
  public String image;

  @JsonPropertyDescription("Resources of the backup container.")
  public ResourceRequirements resources;

  @JsonInclude(JsonInclude.Include.NON_NULL)
  // mongodump dumps one database (--db) or all of them; the agent refuses more (exit 2), so the API server refuses
  // them first instead of accepting a spec whose every run fails
  @ValidationRule(
      value = "!has(self.databases) || size(self.databases) <= 1",
      message = "databases lists at most one database (empty: all); create one DatabaseBackup per database to dump"
          + " several")
  public static class MongoSpec {
    @Required
    @JsonPropertyDescription("Secret key holding the MongoDB connection string; read at pod start, never logged.")
    public SecretKeyRef uriSecretRef;

    @Size(max = 64)
    @JsonPropertyDescription(
        "The database to dump (at most one: mongodump dumps one database or all); empty means all. For several"
            + " databases, create one DatabaseBackup per database.")
    public List<String> databases;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class RetentionSpec {
    @Default("7")
    @Min(0)
    @Max(366)
    @JsonPropertyDescription("Newest backup of each of the last N days kept.")
    public Integer daily;

    @Default("4")
    @Min(0)
    @Max(520)
    @JsonPropertyDescription("Newest backup of each of the last N ISO weeks kept.")
    public Integer weekly;

    @Default("12")
    @Min(0)
    @Max(1200)
    @JsonPropertyDescription("Newest backup of each of the last N months kept.")
    public Integer monthly;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class VerifySpec {
    @Default("Checksum")
    @JsonPropertyDescription(
        "Checksum: re-read the object, check size, sha256 and gzip integrity. RestoreTest: also restore into a"
            + " throwaway mongod and compare counts with the manifest.")
    public VerifyMode mode;

    @Default("10Gi")
    @io.fabric8.generator.annotation.Pattern("^[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$")
    @JsonPropertyDescription(
        "RestoreTest only: size limit of the Job's /tmp emptyDir, where the throwaway mongod keeps the restored data."
            + " Past it the kubelet evicts the pod and the verification fails, instead of filling the node's disk."
            + " Checksum verification needs no scratch space (/tmp is then limited to 256Mi).")
    public String scratchSizeLimit;
  }

  public enum VerifyMode {
    Checksum,
    RestoreTest
  }
}
