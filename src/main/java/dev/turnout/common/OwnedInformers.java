package dev.turnout.common;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.Locale;
import java.util.Set;

/**
 * Informers on the objects a Turnout resource owns. They only list objects labelled managed-by=turnout, so the
 * operator's memory grows with its own objects, not with the cluster, and map each object to its owner through a
 * label naming it (turnout.dev/release, turnout.dev/backup, turnout.dev/restore) in the same namespace.
 * EndpointSlices carry the labels too, because the EndpointSlice controller copies the Service's labels.
 */
public final class OwnedInformers {
  private OwnedInformers() {}

  public static <R extends HasMetadata, P extends HasMetadata> InformerEventSource<R, P> byOwnerLabel(
      Class<R> type, Class<P> ownerType, String ownerLabel, EventSourceContext<P> context) {
    return new InformerEventSource<>(
        InformerEventSourceConfiguration.from(type, ownerType)
            .withName(ownerType.getSimpleName().toLowerCase(Locale.ROOT) + "-" + type.getSimpleName().toLowerCase(Locale.ROOT))
            .withLabelSelector(Labels.MANAGED_SELECTOR)
            .withSecondaryToPrimaryMapper(
                r -> {
                  String name = r.getMetadata().getLabels() == null ? null : r.getMetadata().getLabels().get(ownerLabel);
                  return name == null ? Set.of() : Set.of(new ResourceID(name, r.getMetadata().getNamespace()));
                })
            .build(),
        context);
  }
}
