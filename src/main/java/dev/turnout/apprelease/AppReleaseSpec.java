package dev.turnout.apprelease;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.turnout.common.LocalObjectRef;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class AppReleaseSpec {
  @Required
  @Size(min = 1, max = 128)
  @JsonPropertyDescription(
      "Version of the application in this release (image tag, git SHA, semver): free text recorded in status.history."
          + " A change of version or template is a new revision.")
  public String version;

  @Default("1")
  @Min(0)
  @Max(1000)
  @JsonPropertyDescription(
      "Number of pods of every color that runs: the live color, the color under test and the previous color while it"
          + " is kept for rollback. A change of replicas alone is not a new revision. It is also the scale subresource's"
          + " spec.replicas: an HorizontalPodAutoscaler targets the AppRelease (scaleTargetRef kind AppRelease), never a"
          + " color Deployment, whose replicas Turnout owns.")
  @io.fabric8.kubernetes.model.annotation.SpecReplicas
  public Integer replicas;

  @Required
  @PreserveUnknownFields
  @SchemaFrom(type = Object.class)
  @JsonPropertyDescription(
      "Pod template (core/v1 PodTemplateSpec) of the application. Turnout adds the labels turnout.dev/color and"
          + " turnout.dev/revision. It is validated by the API server when the color's Deployment is written; errors"
          + " appear in the Progressing condition.")
  public PodTemplateSpec template;

  @Required
  @JsonPropertyDescription("The two Services of the release: active (live traffic) and preview (the color under test).")
  public ServiceSpec service;

  @JsonPropertyDescription("How a new revision is checked and promoted.")
  public StrategySpec strategy;

  @JsonPropertyDescription(
      "HealthPolicy (same namespace) whose checks gate the switch and watch the new color after it. Without one, the"
          + " gate is the Deployment's readiness alone.")
  public LocalObjectRef healthPolicyRef;

  @JsonPropertyDescription(
      "DatabaseBackup (same namespace) that must produce a fresh verified backup before traffic is switched.")
  public LocalObjectRef backupBeforePromotion;

  @JsonPropertyDescription("Jobs run against the color under test before the switch.")
  public HooksSpec hooks;

  @Default("10")
  @Min(1)
  @Max(100)
  @JsonPropertyDescription("Number of revisions kept in status.history, newest first.")
  public Integer revisionHistoryLimit;

  @Default("false")
  @JsonPropertyDescription("When true, Turnout makes no change to any object it owns until it is false again.")
  public Boolean paused;

  public int replicasOrDefault() {
    return replicas == null ? 1 : replicas;
  }

  public StrategySpec strategyOrDefault() {
    return strategy == null ? new StrategySpec() : strategy;
  }

  public int historyLimit() {
    return revisionHistoryLimit == null ? 10 : revisionHistoryLimit;
  }

  public boolean isPaused() {
    return Boolean.TRUE.equals(paused);
  }
}
