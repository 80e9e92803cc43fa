package dev.turnout.apprelease;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class AppReleaseStatus {
  @JsonPropertyDescription("metadata.generation this status was computed from.")
  public Long observedGeneration;

  @JsonPropertyDescription(
      "Pending | Progressing | AwaitingPromotion | Healthy | Degraded | RolledBack | Failed | Paused.")
  public String phase;

  @JsonPropertyDescription("Color the active Service selects (blue or green); empty before the first switch.")
  public String activeColor;

  @JsonPropertyDescription("Color the preview Service selects: the color under test, or the idle one.")
  public String previewColor;

  @JsonPropertyDescription("Pods of the live color's Deployment (the scale subresource's status.replicas, read by an"
      + " HorizontalPodAutoscaler that targets the AppRelease).")
  @io.fabric8.kubernetes.model.annotation.StatusReplicas
  public Integer replicas;

  @JsonPropertyDescription("Label selector of the live color's pods, in the string form of the scale subresource (an"
      + " HorizontalPodAutoscaler computes its metrics over these pods).")
  @io.fabric8.kubernetes.model.annotation.LabelSelector
  public String selector;

  @JsonPropertyDescription("Revision that serves live traffic.")
  public Long activeRevision;

  @JsonPropertyDescription("Revision built from the current spec.")
  public Long currentRevision;

  @JsonPropertyDescription("Hash of the spec fields that define a revision (version, template, referenced config).")
  public String currentRevisionHash;

  @JsonPropertyDescription("Color the current revision runs on.")
  public String currentColor;

  @JsonPropertyDescription("When the current revision was created.")
  public String revisionStartedAt;

  @JsonPropertyDescription("Time of the last change of the active Service's selector.")
  public String lastSwitchTime;

  @JsonPropertyDescription("When only the new color was left serving after the last switch.")
  public String switchConvergedAt;

  @JsonPropertyDescription("Color that served before the last switch, kept up for rollback until scaleDownAt.")
  public String previousColor;

  @JsonPropertyDescription("Revision that served before the last switch.")
  public Long previousRevision;

  @JsonPropertyDescription("When the previous color will be scaled to zero.")
  public String scaleDownAt;

  @JsonPropertyDescription("When every gate of the current revision first passed (start of promotionDelaySeconds).")
  public String gatesPassedAt;

  @JsonPropertyDescription("Since when a manual rollback has been waiting for its target color to be fully available"
      + " (all replicas ready); it gives up after strategy.progressDeadlineSeconds.")
  public String rollbackPendingSince;

  @JsonPropertyDescription(
      "The turnout.dev/backup-now value this release set on its backupBeforePromotion DatabaseBackup, for the revision it"
          + " names (apprelease-<name>-r<revision>): a release asks at most once per revision, and not at all while a"
          + " backup requested or started by anyone will complete after its revision started.")
  public String backupRequestToken;

  @JsonPropertyDescription(
      "The backup Job of its backupBeforePromotion DatabaseBackup that the current revision waits for (one running, or"
          + " requested and not started yet, when the gate looked, so it completes after the revision started): its"
          + " backup passes the gate without comparing clocks.")
  public BackupAwaited backupAwaited;

  /** A backup Job a revision waits for. */
  @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
  public static class BackupAwaited {
    @JsonPropertyDescription("The revision that waits.")
    public Long revision;

    @JsonPropertyDescription("Name of the backup Job.")
    public String job;
  }

  @JsonPropertyDescription("Pod condition type of the HealthPolicy readiness gate the current revision's pods carry."
      + " Kept while the HealthPolicy is missing: deleting a policy changes nothing the pods run, so it starts no revision.")
  public String readinessGate;

  @JsonPropertyDescription("Last turnout.dev/promote value acted upon.")
  public String lastPromoteToken;

  @JsonPropertyDescription("Last turnout.dev/rollback value acted upon.")
  public String lastRollbackToken;

  @JsonPropertyDescription("Human-readable summary of the current state.")
  public String message;

  @JsonPropertyDescription("Available, Progressing, Degraded and one condition per gate.")
  public List<Condition> conditions = new ArrayList<>();

  @JsonPropertyDescription("Revisions, newest first, at most spec.revisionHistoryLimit.")
  public List<RevisionRecord> history = new ArrayList<>();

  @JsonPropertyDescription(
      "Results of the current revision's pre-promotion hooks, recorded when each hook's Job finishes. They are trusted"
          + " over the Jobs: a hook that finished is not run again for this revision when its Job is gone (deleted by"
          + " ttlSecondsAfterFinished or by hand). Cleared when a new revision starts.")
  public List<HookResult> hooks;
}
