package dev.turnout.notify;

import java.time.Instant;
import java.util.Map;

/**
 * One thing worth telling people about, as the webhook targets receive it. {@code id} is the idempotency key: derived
 * from the resource's uid and the recorded status it describes (a revision and its switch time, a failed Job, the last
 * success a backup is stale since), so the same happening always gets the same id, also after an operator restart.
 *
 * @param details small, flat facts (revision, version, color, trigger, job...); strings and numbers only
 */
public record Notification(String id, Event event, Instant time, String kind, String namespace, String name, String message,
    Map<String, Object> details) {

  /** The events a target can receive; {@code wire} is the name in the body, the header and the target's filter. */
  public enum Event {
    RELEASE_PROMOTED("release.promoted"),
    RELEASE_FAILED("release.failed"),
    RELEASE_ROLLED_BACK("release.rolledBack"),
    BACKUP_FAILED("backup.failed"),
    BACKUP_STALE("backup.stale");

    public final String wire;

    Event(String wire) {
      this.wire = wire;
    }

    public static Event of(String wire) {
      for (Event e : values()) {
        if (e.wire.equals(wire)) {
          return e;
        }
      }
      throw new IllegalArgumentException("unknown event \"" + wire + "\" (known: release.promoted, release.failed,"
          + " release.rolledBack, backup.failed, backup.stale)");
    }

    /** Bad news is marked as such in Slack. */
    boolean bad() {
      return this != RELEASE_PROMOTED;
    }
  }
}
