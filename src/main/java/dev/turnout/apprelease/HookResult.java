package dev.turnout.apprelease;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The result of one pre-promotion hook for one revision, as recorded in status.hooks. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class HookResult {
  @JsonPropertyDescription("Name of the hook (spec.hooks.prePromotion[].name).")
  public String name;

  @JsonPropertyDescription("Revision the hook ran for.")
  public Long revision;

  @JsonPropertyDescription("Name of the hook's Job.")
  public String job;

  @JsonPropertyDescription("Succeeded | Failed.")
  public String outcome;

  @JsonPropertyDescription("When the Job finished.")
  public String finishedAt;

  @JsonPropertyDescription("Why it failed, from the Job's Failed condition; empty when it succeeded.")
  public String message;

  boolean succeeded() {
    return "Succeeded".equals(outcome);
  }
}
