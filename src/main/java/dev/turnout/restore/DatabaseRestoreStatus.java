package dev.turnout.restore;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class DatabaseRestoreStatus {
  @JsonPropertyDescription("metadata.generation this status was computed from.")
  public Long observedGeneration;

  @JsonPropertyDescription("Pending | Running | Succeeded | Failed.")
  public String phase;

  @JsonPropertyDescription("Object key restored (resolved from 'latest' when asked).")
  public String object;

  @JsonPropertyDescription("sha256 checked against the manifest before mongorestore ran.")
  public String sha256;

  @JsonPropertyDescription("Name of the restore Job.")
  public String jobName;

  @JsonPropertyDescription("When the restore started.")
  public String startedAt;

  @JsonPropertyDescription("When the restore ended.")
  public String completedAt;

  @JsonPropertyDescription("Documents per target namespace (db.collection) the restore put in place, counted on the server"
      + " in the staging collections before they were renamed into place; from the agent's report.")
  public java.util.Map<String, Long> restored;

  @JsonPropertyDescription("Total documents restored (the sum of restored).")
  public Long documents;

  @JsonPropertyDescription("On failure: true when the target is as it was before the restore (nothing was renamed into"
      + " place); false when some collections were replaced (the message names them).")
  public Boolean targetUnchanged;

  @JsonPropertyDescription("True when the restore replayed the backup's oplog (the data as it was when the dump ended);"
      + " false when the collections were restored as dumped (the backup has no oplog, or spec.pointInTime is Off);"
      + " from the agent's report.")
  public Boolean pointInTime;

  @JsonPropertyDescription("Oplog entries applied when the restore replayed the backup's oplog.")
  public Long oplogEntries;

  @JsonPropertyDescription("Human-readable summary.")
  public String message;

  @JsonPropertyDescription("Ready (spec valid), Complete.")
  public List<Condition> conditions = new ArrayList<>();
}
