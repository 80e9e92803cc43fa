package dev.turnout.realtier;

import dev.turnout.apprelease.AppRelease;
import dev.turnout.backup.DatabaseBackup;
import dev.turnout.common.Labels;
import dev.turnout.restore.DatabaseRestore;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Where a scenario's resources end, without what differs between two runs of it (names of namespaces, times, uids,
 * resourceVersions, object keys with timestamps): each release's phase, revisions, history outcomes and conditions,
 * its Services' selectors and its Deployments' sizes and revisions; each backup's conditions and catalog; CronJobs
 * and Jobs by name and outcome; each restore's phase and counts. Two runs of the same scenario, one under faults and
 * one undisturbed, must give equal maps.
 */
final class EndState {
  private EndState() {}

  static Map<String, Object> of(KubernetesClient client, String ns, String staging) {
    Map<String, Object> out = new TreeMap<>();
    put(out, "apprelease", client.resources(AppRelease.class).inNamespace(ns).list().getItems(), a -> {
      var s = a.getStatus();
      return s == null ? "no status" : List.of("phase=" + s.phase, "active=" + s.activeRevision, "current=" + s.currentRevision,
          s.history.stream().map(h -> h.revision + ":" + h.outcome + ":" + h.color + ":" + h.version).toList(),
          conditions(s.conditions));
    });
    put(out, "service", client.services().inNamespace(ns).list().getItems(), s -> List.of(
        String.valueOf(s.getSpec().getSelector()),
        String.valueOf(s.getMetadata().getAnnotations() == null ? null
            : s.getMetadata().getAnnotations().get("turnout.dev/serving-revision"))));
    put(out, "deployment", client.apps().deployments().inNamespace(ns).list().getItems(), d -> List.of(
        "replicas=" + d.getSpec().getReplicas(),
        "revision=" + d.getSpec().getTemplate().getMetadata().getLabels().get(Labels.REVISION)));
    put(out, "databasebackup", client.resources(DatabaseBackup.class).inNamespace(ns).list().getItems(), b -> {
      var s = b.getStatus();
      return s == null ? "no status" : List.of(conditions(s.conditions), "token=" + s.lastBackupNowToken,
          "catalog=" + s.backups.size(), "verified=" + s.backups.stream().filter(r -> Boolean.TRUE.equals(r.verified)).count(),
          "last=" + (s.lastSuccessfulBackup == null ? null : s.lastSuccessfulBackup.sizeBytes + "B"),
          "failure=" + (s.lastFailure == null ? null : s.lastFailure.reason));
    });
    put(out, "cronjob", client.batch().v1().cronjobs().inNamespace(ns).list().getItems(), c -> "present");
    for (String where : List.of(ns, staging)) {
      put(out, "job", client.batch().v1().jobs().inNamespace(where).list().getItems(), j -> String.valueOf(
          j.getStatus() == null ? null : j.getStatus().getSucceeded()));
    }
    put(out, "databaserestore", client.resources(DatabaseRestore.class).inNamespace(staging).list().getItems(), r -> {
      var s = r.getStatus();
      return s == null ? "no status" : List.of("phase=" + s.phase, "restored=" + new TreeMap<>(s.restored == null ? Map.of() : s.restored),
          "documents=" + s.documents, conditions(s.conditions));
    });
    return out;
  }

  private static <T extends HasMetadata> void put(Map<String, Object> out, String kind, List<T> items, Function<T, Object> view) {
    for (T item : items) {
      out.put(kind + "/" + item.getMetadata().getName(), view.apply(item));
    }
  }

  private static List<String> conditions(List<Condition> conditions) {
    return conditions.stream().map(c -> c.getType() + "=" + c.getStatus() + "/" + c.getReason()).sorted().toList();
  }
}
