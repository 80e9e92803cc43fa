package dev.turnout.common;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** A reference by name to an object in the same namespace. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class LocalObjectRef {
  @Required
  @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
  @JsonPropertyDescription("Name of the referenced object, in the same namespace.")
  public String name;

  public LocalObjectRef() {}

  public LocalObjectRef(String name) {
    this.name = name;
  }
}
