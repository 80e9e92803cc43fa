package dev.turnout.apprelease;

import static dev.turnout.apprelease.AppReleaseStatusAggregator.BACKUP;
import static dev.turnout.apprelease.AppReleaseStatusAggregator.HEALTH;
import static dev.turnout.apprelease.AppReleaseStatusAggregator.HOOKS;
import static dev.turnout.apprelease.AppReleaseStatusAggregator.ROLLOUT;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Tells a status that only reports progress within the same wait from one that says something new, so that a release
 * writes its status once per step rather than once per pod or per probe round (each write is an API call, an etcd write
 * and a watch event to every client). Progress is the text of a gate that is still waiting for the same thing: the
 * rollout's counts ("2/2 updated, 1/2 available", then "1/2 pods of green ready behind Service ..."), the running hook,
 * the backup being waited for, the health checks' passing rounds; and status.message, which repeats the first such
 * text while a revision is under test. Such a change is written with the next change that matters (a gate passing or
 * failing, a condition's status, the phase, any other field), never on its own. Everything else is written at once:
 * a condition's status, a reason outside these waits (HealthChecksFailing, HookFailed, WriteRefused, MissingReference,
 * ...), a waiting text that tells of a failure (a backup attempt that failed, failing health rounds),
 * observedGeneration, the history, tokens, times, the scale subresource's replicas.
 */
final class StatusProgress {
  /** Per gate, the reasons that mean "still waiting for the same thing": a move among them is progress. */
  static final Map<String, Set<String>> WAITING = Map.of(
      ROLLOUT, Set.of("RollingOut", "WaitingForEndpoints"),
      HOOKS, Set.of("HookRunning"),
      BACKUP, Set.of("BackupRunning"),
      HEALTH, Set.of("HealthChecksPending"));

  private StatusProgress() {}

  /** Whether {@code after} differs from {@code before} only in progress text (and is not equal to it). */
  static boolean onlyProgress(AppReleaseStatus before, AppReleaseStatus after) {
    if (before == null || after == null) {
      return false;
    }
    AppReleaseStatus masked = Serialization.clone(after);
    if (sameRevisionUnderTest(before.message, after.message)) {
      masked.message = before.message;
    }
    if (masked.conditions != null && before.conditions != null) {
      masked.conditions = masked.conditions.stream().map(c -> maskedLike(c, before)).toList();
    }
    var json = Serialization.jsonMapper();
    return !json.valueToTree(before).equals(json.valueToTree(after)) && json.valueToTree(before).equals(json.valueToTree(masked));
  }

  /** The condition with the reason and message it had before, when only its progress moved. */
  private static Condition maskedLike(Condition now, AppReleaseStatus before) {
    Set<String> waiting = WAITING.get(now.getType());
    if (waiting == null || !waiting.contains(now.getReason())) {
      return now;
    }
    if (tellsOfFailure(now.getMessage())) {
      // a failure told inside a waiting text ("the last attempt failed at ...", "1/2 failing round(s): ...") is news
      return now;
    }
    return before.conditions.stream()
        .filter(c -> now.getType().equals(c.getType()))
        .filter(c -> waiting.contains(c.getReason()))
        .filter(c -> Objects.equals(c.getStatus(), now.getStatus())
            && Objects.equals(c.getObservedGeneration(), now.getObservedGeneration())
            && Objects.equals(c.getLastTransitionTime(), now.getLastTransitionTime()))
        .findFirst()
        .map(c -> {
          Condition copy = Serialization.clone(now);
          copy.setReason(c.getReason());
          copy.setMessage(c.getMessage());
          return copy;
        })
        .orElse(now);
  }

  private static boolean tellsOfFailure(String message) {
    return message != null && message.toLowerCase(java.util.Locale.ROOT).contains("fail");
  }

  /** Both are the summary of the same revision under test ("revision 2 on green: ..."), which repeats a gate's text. */
  private static boolean sameRevisionUnderTest(String before, String after) {
    if (before == null || after == null) {
      return false;
    }
    int colon = before.indexOf(": ");
    return colon > 0 && before.startsWith("revision ") && before.substring(0, colon).matches("revision \\d+ on (blue|green)")
        && after.startsWith(before.substring(0, colon + 2));
  }
}
