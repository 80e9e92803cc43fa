package dev.turnout.backup;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/**
 * spec.drill of a DatabaseBackup: a restore drill on a schedule. A second CronJob ({@code <name>-drill}) restores the
 * newest verified backup of this DatabaseBackup into a throwaway mongod inside its pod and compares every collection's
 * count with the manifest (RestoreDrills, the agent's {@code drill} command). Drills only read S3 and never connect to
 * the backed-up MongoDB.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class DrillSpec {
  @Required
  @Pattern(DatabaseBackupSpec.CRON_PATTERN)
  @JsonPropertyDescription(
      "Cron schedule of the drills (five fields, or @weekly and the like), in the DatabaseBackup's timeZone. Pick a time"
          + " after the backup schedule: a drill restores the newest verified backup there is when it starts.")
  public String schedule;

  @Default("false")
  @JsonPropertyDescription("Suspend scheduled drills (the drill CronJob's suspend); the last result stays in status.")
  public Boolean suspend;

  @Default("10Gi")
  @Pattern("^[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$")
  @JsonPropertyDescription(
      "Size limit of the drill pod's /tmp emptyDir, where the throwaway mongod keeps the restored data. Past it the"
          + " kubelet evicts the pod and the drill fails, instead of filling the node's disk.")
  public String scratchSizeLimit;

  @Default("7200")
  @Min(60)
  @Max(172800)
  @JsonPropertyDescription("A drill Job running longer than this is stopped and counts as a failed drill.")
  public Long activeDeadlineSeconds;
}
