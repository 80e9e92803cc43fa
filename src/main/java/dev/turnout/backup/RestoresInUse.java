package dev.turnout.backup;

import dev.turnout.restore.DatabaseRestore;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.Set;
import java.util.TreeSet;

/**
 * The backups that unfinished DatabaseRestores of this DatabaseBackup (by backupRef) restore: retention keeps them,
 * since the restore agent reads the object twice, a check then the stream into mongorestore, minutes apart on a big
 * archive. A restore that names its storage instead of a backupRef is not seen here (documented).
 */
final class RestoresInUse {
  private RestoresInUse() {}

  static InformerEventSource<DatabaseRestore, DatabaseBackup> eventSource(EventSourceContext<DatabaseBackup> context) {
    return new InformerEventSource<>(
        InformerEventSourceConfiguration.from(DatabaseRestore.class, DatabaseBackup.class)
            .withName("databasebackup-databaserestore")
            .withSecondaryToPrimaryMapper(r -> r.getSpec() == null || r.getSpec().backupRef == null ? Set.of()
                : Set.of(new ResourceID(r.getSpec().backupRef.name,
                    r.getSpec().backupRef.namespace == null ? r.getMetadata().getNamespace() : r.getSpec().backupRef.namespace)))
            .build(),
        context);
  }

  /** Object keys of the unfinished restores: the one resolved (status.object) or the one asked for by name. */
  static Set<String> objects(Context<DatabaseBackup> context) {
    Set<String> keys = new TreeSet<>();
    for (DatabaseRestore r : context.getSecondaryResources(DatabaseRestore.class)) {
      String phase = r.getStatus() == null ? null : r.getStatus().phase;
      if ("Succeeded".equals(phase) || "Failed".equals(phase)) {
        continue;
      }
      if (r.getStatus() != null && r.getStatus().object != null) {
        keys.add(r.getStatus().object);
      }
      if (r.getSpec() != null && r.getSpec().object != null && !"latest".equals(r.getSpec().object)) {
        keys.add(r.getSpec().object);
      }
    }
    return keys;
  }
}
