package dev.turnout.backup;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** status.lastDrill: the newest finished restore drill, from its Job (times) and its agent's report (counts). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class LastDrill {
  @JsonPropertyDescription("Object key of the backup the drill restored; empty when it found none to restore.")
  public String object;

  @JsonPropertyDescription("When the drill Job finished (the Job's status, written by the API server's clock).")
  public String time;

  @JsonPropertyDescription("Whether the backup restored and every collection's count matched its manifest.")
  public Boolean succeeded;

  @JsonPropertyDescription("Collections restored and counted (the server's own databases and system collections are not restored).")
  public Integer collections;

  @JsonPropertyDescription("Documents the manifest lists for those collections.")
  public Long documents;

  @JsonPropertyDescription("Run time of the drill Job, start to finish.")
  public Long durationSeconds;

  @JsonPropertyDescription("What the drill found, for a person: on a failure the object and the collections whose counts differ.")
  public String message;

  @JsonPropertyDescription("The drill Job this result comes from (each Job is recorded once).")
  public String job;

  @JsonPropertyDescription("When the newest passed drill finished: this one, or an earlier one when this one failed.")
  public String lastPassedTime;
}
