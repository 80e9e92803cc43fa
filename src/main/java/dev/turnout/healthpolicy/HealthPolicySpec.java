package dev.turnout.healthpolicy;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PrinterColumn;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "!has(self.readinessGate) || self.checks.exists(c, has(c.http) || (has(c.tcp) && !has(c.tcp.host)))",
    fieldPath = ".readinessGate",
    message = "a readiness gate needs at least one per-pod check (http, or tcp without host): tcp checks with a host and"
        + " prometheus checks are dependency checks of the release and say nothing about one pod")
public class HealthPolicySpec {
  @Required
  @Size(min = 1, max = 32)
  @ValidationRule(value = "self.all(c, self.exists_one(x, x.name == c.name))", message = "check names must be unique")
  @JsonPropertyDescription("Checks that must all pass for the gate to open.")
  public List<CheckSpec> checks;

  @Default("5")
  @Min(1)
  @Max(3600)
  @JsonPropertyDescription("Seconds between two rounds of checks.")
  public Integer intervalSeconds;

  @Default("3")
  @Min(1)
  @Max(100)
  @JsonPropertyDescription("Consecutive passing rounds that open the gate.")
  public Integer successThreshold;

  @Default("2")
  @Min(1)
  @Max(100)
  @JsonPropertyDescription("Consecutive failing rounds that close the gate.")
  public Integer failureThreshold;

  @Default("false")
  @JsonPropertyDescription(
      "Report results and gate state (HealthChecksPassing condition says 'dry run'), but never block a promotion nor"
          + " revert one.")
  public Boolean dryRun;

  @JsonPropertyDescription(
      "Gate the switch on the checks passing against the preview Service. When absent, the switch is gated (as with"
          + " enabled: true).")
  public PrePromotionSpec prePromotion;

  @JsonPropertyDescription(
      "Watch the active Service after the switch, and revert when the gate closes. When absent, there is no"
          + " post-promotion watch.")
  public PostPromotionSpec postPromotion;

  @JsonPropertyDescription(
      "When set, Turnout adds a pod readiness gate with this condition type to the release's pod template and sets"
          + " it on each pod of the release (both colors) from that pod's own per-pod checks (http, and tcp without"
          + " host), with successThreshold and failureThreshold counted per pod, so Services route only to pods that"
          + " passed. Needs at least one per-pod check; dependency checks (tcp with host, prometheus) gate promotion,"
          + " not pod readiness.")
  public ReadinessGateSpec readinessGate;

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class PrePromotionSpec {
    @Default("true")
    @JsonPropertyDescription("Whether the checks gate the switch.")
    public Boolean enabled;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class PostPromotionSpec {
    @Default("300")
    @Min(0)
    @Max(86400)
    @JsonPropertyDescription(
        "Seconds the active Service is watched after the switch; the previous color is not scaled down before the"
            + " window ends. 0 disables post-promotion checks.")
    public Integer windowSeconds;

    @Default("true")
    @JsonPropertyDescription("Switch traffic back to the previous color when the gate closes within the window.")
    public Boolean revertOnFailure;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class ReadinessGateSpec {
    @Required
    @Pattern("^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
    @JsonPropertyDescription("Pod condition type, e.g. turnout.dev/deep-health.")
    public String conditionType;
  }
}
