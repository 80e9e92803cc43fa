package dev.turnout.apprelease;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class RevisionRecord {
  @JsonPropertyDescription("Revision number, increasing by one per change of version or template.")
  public Long revision;

  @JsonPropertyDescription("Hash of what the revision's pods run (version, template, referenced configuration): a"
      + " revision with the same hash as a rolled-back one is never switched to automatically.")
  public String revisionHash;

  @JsonPropertyDescription("spec.version of this revision.")
  public String version;

  @JsonPropertyDescription("Container images of this revision.")
  public List<String> images = new ArrayList<>();

  @JsonPropertyDescription("Color this revision ran on.")
  public String color;

  @JsonPropertyDescription("When the revision was created.")
  public String createdAt;

  @JsonPropertyDescription("When traffic was switched to it.")
  public String promotedAt;

  @JsonPropertyDescription("Who changed the spec, from the last managedFields manager, when known.")
  public String changedBy;

  @JsonPropertyDescription("Pending | Promoted | RolledBack | Failed | Superseded.")
  public String outcome;

  @JsonPropertyDescription("When the revision failed or was rolled back (outcome Failed or RolledBack).")
  public String outcomeAt;

  @JsonPropertyDescription("Why the revision has its outcome.")
  public String reason;
}
