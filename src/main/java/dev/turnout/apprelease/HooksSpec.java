package dev.turnout.apprelease;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class HooksSpec {
  @Size(max = 16)
  @ValidationRule(value = "self.all(h, self.exists_one(x, x.name == h.name))", message = "hook names must be unique")
  @JsonPropertyDescription(
      "Jobs run in order against the color under test (e.g. migrations, smoke tests against the preview Service);"
          + " all must succeed before the switch. A failed hook fails the revision.")
  public List<HookSpec> prePromotion;
}
