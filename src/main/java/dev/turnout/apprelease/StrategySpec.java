package dev.turnout.apprelease;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class StrategySpec {
  @Default("true")
  @JsonPropertyDescription(
      "Switch traffic as soon as every gate passes. When false, the release waits in AwaitingPromotion until the"
          + " turnout.dev/promote annotation is set to a new value.")
  public Boolean autoPromote;

  @Default("0")
  @Min(0)
  @Max(86400)
  @JsonPropertyDescription("Seconds to wait after every gate has passed, before switching traffic.")
  public Integer promotionDelaySeconds;

  @Default("86400")
  @Min(0)
  @Max(2592000)
  @JsonPropertyDescription(
      "Seconds the previous color stays up after the switch has converged (only the new color serves), for an instant"
          + " rollback. It is then scaled to zero, never deleted. 0 scales it down as soon as the switch has converged"
          + " (after the HealthPolicy's post-promotion window, if any): there is no instant rollback, and the release"
          + " says so with condition RollbackAvailable=False, reason NoRollbackWindow.")
  public Integer scaleDownDelaySeconds;

  @Default("600")
  @Min(1)
  @Max(86400)
  @JsonPropertyDescription(
      "Seconds the new color has to pass every gate, from the start of its revision. Missed: the revision is Failed,"
          + " traffic never moves and the new color is scaled down.")
  public Integer progressDeadlineSeconds;

  public boolean autoPromote() {
    return autoPromote == null || autoPromote;
  }

  public int promotionDelay() {
    return promotionDelaySeconds == null ? 0 : promotionDelaySeconds;
  }

  public int scaleDownDelay() {
    return scaleDownDelaySeconds == null ? 86400 : scaleDownDelaySeconds;
  }

  public int progressDeadline() {
    return progressDeadlineSeconds == null ? 600 : progressDeadlineSeconds;
  }
}
