package dev.turnout.common;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.time.Instant;
import java.util.List;

/**
 * Reports what only the operator can validate (references to other objects, time zones): a Ready condition
 * naming the field, and a Warning Event when the problem is new.
 */
public final class ValidationReport {
  public static final String READY = "Ready";

  private ValidationReport() {}

  public static List<Condition> ready(
      EventRecorder events, HasMetadata resource, List<Condition> conditions, List<String> problems, String okMessage, Instant now) {
    Long generation = resource.getMetadata().getGeneration();
    if (problems.isEmpty()) {
      return Conditions.set(conditions, READY, true, "Valid", okMessage, generation, now);
    }
    String message = String.join("; ", problems);
    boolean isNew = Conditions.find(conditions, READY).map(c -> !message.equals(c.getMessage())).orElse(true);
    if (isNew) {
      events.warning(resource, "InvalidSpec", message);
    }
    return Conditions.set(conditions, READY, false, "InvalidSpec", message, generation, now);
  }
}
