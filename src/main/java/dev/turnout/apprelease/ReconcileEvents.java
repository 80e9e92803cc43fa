package dev.turnout.apprelease;

import dev.turnout.common.EventRecorder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.ArrayList;
import java.util.List;

/**
 * The Events of one reconcile of a release, sent after its status write rather than on the way to it: an Event is one
 * API call, and those a switch or a revert tells (Promoted, RolledBack) would otherwise stand between the write that
 * moves traffic and the status write that records it. So a switch decided in a reconcile costs two round trips, the
 * Service write and the status write, then its Events follow. They are sent after the status write whether it succeeded
 * or not: a write answered with an error may have been applied, and what an Event tells may already be in the cluster
 * (a hook Job created), so no later reconcile would tell it again; at worst an Event is told twice. An operator that
 * stops between the status write and its Events does not send them; one that stops before the status write tells them
 * when the next reconcile finishes the bookkeeping, as before.
 */
final class ReconcileEvents extends EventRecorder {
  private record Pending(HasMetadata on, String type, String reason, String message) {}

  private final EventRecorder target;
  private final List<Pending> pending = new ArrayList<>();

  ReconcileEvents(EventRecorder target) {
    this.target = target;
  }

  @Override
  public void emit(HasMetadata on, String type, String reason, String message) {
    pending.add(new Pending(on, type, reason, message));
  }

  /** Sends the Events held so far, in the order they were told. */
  void flush() {
    List<Pending> held = new ArrayList<>(pending);
    pending.clear();
    held.forEach(p -> target.emit(p.on(), p.type(), p.reason(), p.message()));
  }
}
