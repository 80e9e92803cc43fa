package dev.turnout.apprelease;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.kubernetes.api.model.batch.v1.JobTemplateSpec;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class HookSpec {
  @Required
  @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
  @Size(max = 40)
  @JsonPropertyDescription("Name of the hook; the Job is named <release>-<hook>-<revision>.")
  public String name;

  @Required
  @PreserveUnknownFields
  @SchemaFrom(type = Object.class)
  @JsonPropertyDescription(
      "Job template (batch/v1 JobTemplateSpec). Its pods get the environment variables TURNOUT_PREVIEW_SERVICE,"
          + " TURNOUT_REVISION and TURNOUT_VERSION.")
  public JobTemplateSpec template;
}
