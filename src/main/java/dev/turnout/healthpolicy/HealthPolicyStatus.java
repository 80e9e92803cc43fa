package dev.turnout.healthpolicy;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class HealthPolicyStatus {
  @JsonPropertyDescription("metadata.generation this status was computed from.")
  public Long observedGeneration;

  @JsonPropertyDescription(
      "Ready (the policy is valid) and, when spec.readinessGate is set, ReadinessGate (False: ignored, the policy has no"
          + " per-pod check).")
  public List<Condition> conditions = new ArrayList<>();

  @JsonPropertyDescription("Per release that uses this policy, the gate and each check's last result.")
  public List<ReleaseResults> releases = new ArrayList<>();

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class ReleaseResults {
    @JsonPropertyDescription("Name of the AppRelease.")
    public String release;

    @JsonPropertyDescription("Service probed: preview before the switch, active after it.")
    public String service;

    @JsonPropertyDescription("Open (passing), Closed (failing) or Unknown.")
    public String gate;

    @JsonPropertyDescription("Last result of each check.")
    public List<CheckResult> checks = new ArrayList<>();
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class CheckResult {
    @JsonPropertyDescription("Name of the check.")
    public String name;

    @JsonPropertyDescription("Whether the last run passed.")
    public Boolean passed;

    @JsonPropertyDescription("What the check saw, e.g. 'GET /api/v1/health: 503, $.database = \"down\", expected \"healthy\"'.")
    public String message;

    @JsonPropertyDescription("Latency in milliseconds of the run that produced this result (runs with the same result do not update it).")
    public Long latencyMillis;

    @JsonPropertyDescription("When the run that produced this result finished (runs with the same result do not update it).")
    public String time;

    @JsonPropertyDescription("Consecutive passing runs, counted up to the policy's successThreshold.")
    public Integer consecutiveSuccesses;

    @JsonPropertyDescription("Consecutive failing runs, counted up to the policy's failureThreshold.")
    public Integer consecutiveFailures;
  }
}
