package dev.turnout.apprelease;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.kubernetes.api.model.ServicePort;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class ServiceSpec {
  @Pattern("^[a-z]([-a-z0-9]*[a-z0-9])?$")
  @Size(max = 63)
  @JsonPropertyDescription(
      "Name of the Service that carries live traffic; its selector's turnout.dev/color is the switch. Default:"
          + " metadata.name. Turnout creates it and refuses to take over an existing Service it did not create.")
  public String activeName;

  @Pattern("^[a-z]([-a-z0-9]*[a-z0-9])?$")
  @Size(max = 63)
  @JsonPropertyDescription(
      "Name of the Service that selects the color under test (used by hooks and health checks). Default:"
          + " <metadata.name>-preview.")
  public String previewName;

  @Required
  @Size(min = 1, max = 32)
  @JsonPropertyDescription("Ports of both Services (core/v1 ServicePort list); targetPort refers to the pod template.")
  public List<ServicePort> ports;
}
