package dev.turnout.apprelease;

import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the operator remembers of its own writes to owned objects from one reconcile to the next, in memory: the writes
 * the API server or an admission webhook refused, with their backoff, and the applies whose answer still differs from
 * what was applied in a way {@link FieldDrift} does not know as a normal form, and the owned objects it has seen (a
 * missing one it saw was deleted by someone). Losing it (a restart) costs at most one early retry of a refused write,
 * one more apply of such an object, or a recreated object not reported as deleted.
 */
final class WriteHistory {
  static final Duration FIRST_RETRY = Duration.ofSeconds(5);
  static final Duration MAX_RETRY = Duration.ofMinutes(5);
  private static final int MAX_UNCONVERGED = 10_000;

  /** A refused write: what was refused, the API server's words, and when it may be tried again. */
  record Refusal(String desiredHash, String message, Instant first, Duration backoff, Instant retryAt) {}

  private final Map<String, Refusal> refusals = new ConcurrentHashMap<>();
  private final Set<String> unconverged = ConcurrentHashMap.newKeySet();
  private final Set<String> seen = ConcurrentHashMap.newKeySet();

  /**
   * A write the API server refused for what it contains: 422 Invalid (validation, a ValidatingAdmissionPolicy), or an
   * admission webhook that denied it (400 or 403 "admission webhook ... denied the request"). Retrying the same write
   * cannot succeed until the spec or the webhook changes; any other error (a conflict, RBAC, a timeout) is not one.
   */
  static boolean isRefusal(KubernetesClientException e) {
    int code = e.getCode();
    String message = message(e);
    return code == 422 || ((code == 400 || code == 403) && message.contains("admission webhook") && message.contains("denied the request"));
  }

  /** What the API server said: its Status message, else the exception's. */
  static String message(KubernetesClientException e) {
    if (e.getStatus() != null && e.getStatus().getMessage() != null && !e.getStatus().getMessage().isBlank()) {
      return e.getStatus().getMessage();
    }
    return e.getMessage() == null ? "" : e.getMessage();
  }

  /** The refusal of this write still waiting for its retry time, or null when it may be sent. */
  Refusal waiting(String object, String desiredHash, Instant now) {
    Refusal r = refusals.get(object);
    return r != null && r.desiredHash().equals(desiredHash) && now.isBefore(r.retryAt()) ? r : null;
  }

  /**
   * Records a refusal: the first of this desired state waits {@link #FIRST_RETRY}, each next one twice as long, up to
   * {@link #MAX_RETRY}. Returns the previous message for this object (null when none), to tell a new refusal from a
   * retry refused again.
   */
  String refused(String object, String desiredHash, String message, Instant now) {
    Refusal before = refusals.get(object);
    boolean again = before != null && before.desiredHash().equals(desiredHash);
    Duration wait = again ? min(before.backoff().multipliedBy(2), MAX_RETRY) : FIRST_RETRY;
    refusals.put(object, new Refusal(desiredHash, message, again ? before.first() : now, wait, now.plus(wait)));
    return before == null ? null : before.message();
  }

  void accepted(String object) {
    refusals.remove(object);
  }

  /** An apply whose answer (this object in this state, see OwnedWrites) still differs from what was applied. */
  void unconverged(String marker) {
    if (unconverged.size() > MAX_UNCONVERGED) {
      unconverged.clear();
    }
    unconverged.add(marker);
  }

  boolean isUnconverged(String marker) {
    return unconverged.contains(marker);
  }

  /** An owned object this operator has seen (kind/namespace/name): when it goes missing, someone deleted it. */
  void seen(String object) {
    if (seen.size() > MAX_UNCONVERGED) {
      seen.clear();
    }
    seen.add(object);
  }

  boolean wasSeen(String object) {
    return seen.contains(object);
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
