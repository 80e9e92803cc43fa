package dev.turnout.demo;

import dev.turnout.apprelease.AppRelease;
import dev.turnout.apprelease.AppReleaseStatus;
import dev.turnout.apprelease.RevisionRecord;
import dev.turnout.backup.DatabaseBackup;
import dev.turnout.backup.DatabaseBackupStatus;
import dev.turnout.healthpolicy.HealthPolicy;
import dev.turnout.restore.DatabaseRestore;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;

/**
 * Prints one line per thing that happened in the embedded cluster, with the time since the demo started:
 * AppRelease status (revision, active color, phase, message), the Services' color selectors, Deployments'
 * replicas and readiness, Jobs and CronJobs, DatabaseBackup / DatabaseRestore / HealthPolicy status and the
 * operator's core Events. Everything comes from informers on the embedded API, i.e. from what the real
 * operator process wrote.
 */
final class Timeline implements AutoCloseable {
  private final Instant start;
  private final Set<String> namespaces;
  private final Map<String, String> seen = new ConcurrentHashMap<>();
  private final List<SharedIndexInformer<?>> informers = new CopyOnWriteArrayList<>();

  Timeline(Instant start, Set<String> namespaces) {
    this.start = start;
    this.namespaces = namespaces;
  }

  /** Prints "mm:ss  text". */
  synchronized void line(String text) {
    long s = Duration.between(start, Instant.now()).toSeconds();
    System.out.printf("%02d:%02d  %s%n", s / 60, s % 60, text);
    System.out.flush();
  }

  /** A section header, without a timestamp column of its own. */
  synchronized void header(String text) {
    System.out.println();
    System.out.println("== " + text);
    System.out.flush();
  }

  void watch(KubernetesClient client) {
    inform(client.resources(AppRelease.class).inAnyNamespace().inform(handler(this::appRelease)));
    inform(client.services().inAnyNamespace().inform(handler(this::service)));
    inform(client.apps().deployments().inAnyNamespace().inform(handler(this::deployment)));
    inform(client.batch().v1().jobs().inAnyNamespace().inform(handler(this::job)));
    inform(client.batch().v1().cronjobs().inAnyNamespace().inform(handler(this::cronJob)));
    inform(client.resources(DatabaseBackup.class).inAnyNamespace().inform(handler(this::databaseBackup)));
    inform(client.resources(DatabaseRestore.class).inAnyNamespace().inform(handler(this::databaseRestore)));
    inform(client.resources(HealthPolicy.class).inAnyNamespace().inform(handler(this::healthPolicy)));
    inform(client.v1().events().inAnyNamespace().inform(handler((e, isNew) -> {
      if (isNew) {
        event(e);
      }
    })));
  }

  private void inform(SharedIndexInformer<?> informer) {
    informers.add(informer);
  }

  private <T extends HasMetadata> ResourceEventHandler<T> handler(BiConsumer<T, Boolean> onChange) {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(T obj) {
        if (ours(obj)) {
          onChange.accept(obj, true);
        }
      }

      @Override
      public void onUpdate(T oldObj, T newObj) {
        if (ours(newObj)) {
          onChange.accept(newObj, false);
        }
      }

      @Override
      public void onDelete(T obj, boolean deletedFinalStateUnknown) {}
    };
  }

  private boolean ours(HasMetadata o) {
    return namespaces.contains(o.getMetadata().getNamespace());
  }

  /** Prints when the value for this key differs from the last one printed for it. */
  private void changed(String key, String value, String text) {
    String previous = seen.put(key, Objects.toString(value, ""));
    if (value != null && !value.isEmpty() && !value.equals(previous)) {
      line(text);
    }
  }

  private static String id(HasMetadata o) {
    return o.getMetadata().getNamespace() + "/" + o.getMetadata().getName();
  }

  // ---- AppRelease --------------------------------------------------------------------------------------

  private void appRelease(AppRelease r, boolean isNew) {
    String id = "AppRelease " + id(r);
    if (isNew) {
      changed(id + "#created", "x", id + "  created (version " + r.getSpec().version + ")");
    }
    AppReleaseStatus s = r.getStatus();
    if (s == null) {
      return;
    }
    if (s.currentRevision != null) {
      RevisionRecord rec = s.history == null ? null
          : s.history.stream().filter(h -> s.currentRevision.equals(h.revision)).findFirst().orElse(null);
      String version = rec == null ? "?" : rec.version;
      String where = rec != null && "Promoted".equals(rec.outcome) && Objects.equals(rec.color, s.activeColor)
          && rec.promotedAt != null && rec.promotedAt.equals(rec.createdAt)
          ? "already live on " + rec.color : "rolling out to " + s.currentColor;
      changed(id + "#revision", String.valueOf(s.currentRevision),
          id + "  revision " + s.currentRevision + " (" + version + ") " + where);
    }
    changed(id + "#active", s.activeColor, id + "  traffic on " + s.activeColor + " (revision " + s.activeRevision + ")");
    changed(id + "#phase", s.phase, id + "  phase " + s.phase);
    changed(id + "#message", s.message, id + "  \"" + s.message + "\"");
    if (s.history != null) {
      for (RevisionRecord h : s.history) {
        if (h.outcome != null && !"Pending".equals(h.outcome)) {
          changed(id + "#outcome" + h.revision, h.outcome,
              id + "  revision " + h.revision + " (" + h.version + ", " + h.color + ") outcome " + h.outcome
                  + (h.reason == null ? "" : ": " + h.reason));
        }
      }
    }
  }

  // ---- core objects ------------------------------------------------------------------------------------

  private void service(Service s, boolean isNew) {
    Map<String, String> selector = s.getSpec() == null ? null : s.getSpec().getSelector();
    String color = selector == null ? null : selector.get("turnout.dev/color");
    changed("Service " + id(s), color, "Service " + id(s) + "  now selects " + color);
  }

  private void deployment(Deployment d, boolean isNew) {
    int want = d.getSpec() == null || d.getSpec().getReplicas() == null ? 0 : d.getSpec().getReplicas();
    int ready = d.getStatus() == null || d.getStatus().getReadyReplicas() == null ? 0 : d.getStatus().getReadyReplicas();
    String revision = d.getMetadata().getLabels() == null ? null : d.getMetadata().getLabels().get("turnout.dev/revision");
    String key = "Deployment " + id(d);
    String what = key + (revision == null ? "" : " (revision " + revision + ")");
    changed(key + "#replicas", revision + ":" + want,
        want == 0 ? what + "  scaled to 0" : what + "  " + want + " replica(s) wanted");
    if (want > 0 && ready == want) {
      changed(key + "#ready", revision + ":" + ready, what + "  " + ready + "/" + want + " ready");
    } else {
      seen.remove(key + "#ready");
    }
  }

  private void job(Job j, boolean isNew) {
    String key = "Job " + id(j);
    changed(key + "#created", "x", key + "  created" + jobRole(j));
    if (j.getStatus() != null && j.getStatus().getConditions() != null) {
      for (JobCondition c : j.getStatus().getConditions()) {
        if ("True".equals(c.getStatus()) && ("Complete".equals(c.getType()) || "Failed".equals(c.getType()))) {
          changed(key + "#done", c.getType(), key + "  " + ("Complete".equals(c.getType()) ? "succeeded" : "failed: "
              + c.getReason() + " " + Objects.toString(c.getMessage(), "")));
        }
      }
    }
  }

  private static String jobRole(Job j) {
    Map<String, String> l = j.getMetadata().getLabels() == null ? Map.of() : j.getMetadata().getLabels();
    if (l.containsKey("turnout.dev/hook")) {
      return " (pre-promotion hook " + l.get("turnout.dev/hook") + ")";
    }
    if (l.containsKey("turnout.dev/backup")) {
      return " (backup of " + l.get("turnout.dev/backup") + ")";
    }
    if (l.containsKey("turnout.dev/restore")) {
      return " (restore " + l.get("turnout.dev/restore") + ")";
    }
    return "";
  }

  private void cronJob(CronJob c, boolean isNew) {
    changed("CronJob " + id(c) + "#created", "x", "CronJob " + id(c) + "  created (schedule \"" + c.getSpec().getSchedule()
        + "\" " + c.getSpec().getTimeZone() + ", concurrencyPolicy " + c.getSpec().getConcurrencyPolicy() + ")");
  }

  private void event(Event e) {
    var o = e.getInvolvedObject();
    String mark = "Warning".equals(e.getType()) ? "Event (Warning) " : "Event ";
    line(mark + e.getReason() + " on " + o.getKind() + " " + o.getNamespace() + "/" + o.getName() + ": " + e.getMessage());
  }

  // ---- backups, restores, policies ---------------------------------------------------------------------

  private void databaseBackup(DatabaseBackup b, boolean isNew) {
    String id = "DatabaseBackup " + id(b);
    DatabaseBackupStatus s = b.getStatus();
    if (s == null) {
      return;
    }
    conditions(id, s.conditions);
    changed(id + "#scheduled", s.lastScheduleTime, id + "  last scheduled run " + s.lastScheduleTime);
    if (s.lastSuccessfulBackup != null) {
      var l = s.lastSuccessfulBackup;
      changed(id + "#success", l.object, id + "  last successful backup " + l.object + " (" + l.sizeBytes + " bytes, sha256 "
          + (l.sha256 == null ? "?" : l.sha256.substring(0, Math.min(12, l.sha256.length()))) + "…, verified " + l.verified + ")");
    }
    if (s.lastFailure != null) {
      changed(id + "#failure", s.lastFailure.time + s.lastFailure.reason,
          id + "  last failure " + s.lastFailure.reason + ": " + s.lastFailure.message);
    }
  }

  private void databaseRestore(DatabaseRestore r, boolean isNew) {
    String id = "DatabaseRestore " + id(r);
    if (r.getStatus() == null) {
      return;
    }
    conditions(id, r.getStatus().conditions);
    changed(id + "#phase", r.getStatus().phase, id + "  phase " + r.getStatus().phase
        + (r.getStatus().message == null ? "" : ": " + r.getStatus().message));
  }

  private void healthPolicy(HealthPolicy p, boolean isNew) {
    if (p.getStatus() != null) {
      conditions("HealthPolicy " + id(p), p.getStatus().conditions);
    }
  }

  private void conditions(String id, List<Condition> conditions) {
    if (conditions == null) {
      return;
    }
    for (Condition c : conditions) {
      changed(id + "#cond" + c.getType(), c.getStatus() + c.getReason(),
          id + "  " + c.getType() + "=" + c.getStatus() + " (" + c.getReason() + ")"
              + (c.getMessage() == null || c.getMessage().isEmpty() ? "" : ": " + c.getMessage()));
    }
  }

  @Override
  public void close() {
    informers.forEach(SharedIndexInformer::close);
  }
}
