package dev.turnout.apprelease;

import dev.turnout.common.Labels;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.Set;

/**
 * Informers on the objects an AppRelease owns. They only list objects labelled managed-by=turnout, so the
 * operator's memory grows with its own objects, not with the cluster; EndpointSlices carry the label too
 * because the EndpointSlice controller copies the Service's labels onto them.
 */
final class OwnedInformers {
  private OwnedInformers() {}

  static <R extends HasMetadata> InformerEventSource<R, AppRelease> byReleaseLabel(Class<R> type, EventSourceContext<AppRelease> context) {
    return new InformerEventSource<>(
        InformerEventSourceConfiguration.from(type, AppRelease.class)
            .withLabelSelector(Labels.MANAGED_SELECTOR)
            .withSecondaryToPrimaryMapper(
                r -> {
                  String name = r.getMetadata().getLabels() == null ? null : r.getMetadata().getLabels().get(Labels.RELEASE);
                  return name == null ? Set.of() : Set.of(new ResourceID(name, r.getMetadata().getNamespace()));
                })
            .build(),
        context);
  }
}
