package dev.turnout.apprelease;

import dev.turnout.common.OwnedObjects;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.function.UnaryOperator;
import org.jboss.logging.Logger;

/**
 * The writes of one reconcile to the objects a release owns. Every write is counted (turnout_api_writes_total),
 * recorded in the {@link ReleaseSnapshot} for the steps that follow, and put in the informer's cache so that the next
 * reconcile does not decide from a copy older than the operator's own write.
 */
final class OwnedWrites {
  private static final Logger LOG = Logger.getLogger(OwnedWrites.class);

  private final KubernetesClient client;
  private final OwnedObjects.WriteCounter counter;
  private final Context<AppRelease> context;
  private final AppRelease release;
  private final ReleaseSnapshot snapshot;

  OwnedWrites(KubernetesClient client, OwnedObjects.WriteCounter counter, Context<AppRelease> context, AppRelease release,
      ReleaseSnapshot snapshot) {
    this.client = client;
    this.counter = counter;
    this.context = context;
    this.release = release;
    this.snapshot = snapshot;
  }

  KubernetesClient client() {
    return client;
  }

  /** Creates or updates {@code desired} unless {@code actual} already carries its hash (see {@link OwnedObjects#apply}). */
  <T extends HasMetadata> T apply(T actual, T desired, String hash, UnaryOperator<T> preserve) {
    T written = OwnedObjects.apply(client, actual, desired, hash, preserve, counter);
    return remember(written, actual);
  }

  <T extends HasMetadata> T apply(T actual, T desired, UnaryOperator<T> preserve) {
    return apply(actual, desired, OwnedObjects.hash(desired), preserve);
  }

  /** Sets a Deployment's replica count when it differs. */
  Deployment scale(Deployment actual, int replicas) {
    return remember(OwnedObjects.scale(client, actual, replicas, counter), actual);
  }

  <T extends HasMetadata> T create(T desired) {
    counter.write();
    return remember(client.resource(desired).create(), null);
  }

  @SuppressWarnings("unchecked")
  private <T extends HasMetadata> T remember(T written, T previous) {
    if (written == null || written == previous) {
      return written;
    }
    snapshot.wrote(written);
    try {
      var source = (InformerEventSource<T, AppRelease>) context.eventSourceRetriever().getEventSourceFor(written.getClass());
      ResourceID id = ResourceID.fromResource(release);
      if (previous == null) {
        source.handleRecentResourceCreate(id, written);
      } else {
        source.handleRecentResourceUpdate(id, written, previous);
      }
    } catch (RuntimeException e) {
      LOG.debugf("could not prime the cache with %s %s: %s", written.getKind(), written.getMetadata().getName(), e.getMessage());
    }
    return written;
  }
}
