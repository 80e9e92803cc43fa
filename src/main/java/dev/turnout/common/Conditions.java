package dev.turnout.common;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Pure helpers for status conditions: setting a condition keeps its lastTransitionTime when the
 * status did not change, so re-reconciling an unchanged resource yields an identical status.
 */
public final class Conditions {
  public static final String TRUE = "True";
  public static final String FALSE = "False";
  public static final String UNKNOWN = "Unknown";

  private Conditions() {}

  public static List<Condition> set(
      List<Condition> existing, String type, boolean status, String reason, String message, Long generation, Instant now) {
    return set(existing, type, status ? TRUE : FALSE, reason, message, generation, now);
  }

  public static List<Condition> set(
      List<Condition> existing, String type, String status, String reason, String message, Long generation, Instant now) {
    List<Condition> result = new ArrayList<>(existing == null ? List.of() : existing);
    Optional<Condition> old = find(result, type);
    String transition =
        old.filter(c -> Objects.equals(c.getStatus(), status))
            .map(Condition::getLastTransitionTime)
            .orElse(Times.format(now));
    Condition c =
        new ConditionBuilder()
            .withType(type)
            .withStatus(status)
            .withReason(reason)
            // a message may quote what an agent or a tool printed: never a URI's password in status
            .withMessage(message == null ? "" : Redactor.uriCredentials(message))
            .withObservedGeneration(generation)
            .withLastTransitionTime(transition)
            .build();
    int idx = indexOf(result, type);
    if (idx >= 0) {
      result.set(idx, c);
    } else {
      result.add(c);
    }
    return result;
  }

  public static Optional<Condition> find(List<Condition> conditions, String type) {
    if (conditions == null) {
      return Optional.empty();
    }
    return conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  public static boolean isTrue(List<Condition> conditions, String type) {
    return find(conditions, type).map(c -> TRUE.equals(c.getStatus())).orElse(false);
  }

  private static int indexOf(List<Condition> conditions, String type) {
    for (int i = 0; i < conditions.size(); i++) {
      if (type.equals(conditions.get(i).getType())) {
        return i;
      }
    }
    return -1;
  }
}
