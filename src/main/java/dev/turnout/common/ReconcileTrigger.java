package dev.turnout.common;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.EventHandler;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.AbstractEventSource;
import java.util.Set;

/**
 * A JOSDK event source with no resources of its own: {@link #fire} asks the controller to reconcile one primary
 * resource. Safe to call from any thread, including a Vert.x event loop (it only queues an event).
 */
public final class ReconcileTrigger<P extends HasMetadata> extends AbstractEventSource<ReconcileTrigger.Nudge, P> {
  /** Placeholder resource type: this source owns no secondary resources. */
  public static final class Nudge {}

  public ReconcileTrigger(String name) {
    super(Nudge.class, name);
  }

  @Override
  public Set<Nudge> getSecondaryResources(P primary) {
    return Set.of();
  }

  /** Queues a reconcile of {@code namespace/name}; ignored before the controller started or after it stopped. */
  public void fire(String namespace, String name) {
    EventHandler handler = getEventHandler();
    if (handler != null && isRunning()) {
      handler.handleEvent(new Event(new ResourceID(name, namespace)));
    }
  }
}
