package dev.turnout.testing;

import dev.turnout.apprelease.AppRelease;
import dev.turnout.apprelease.AppReleaseStatus;
import dev.turnout.common.Labels;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** What a release ends in, for comparing a run the operator was stopped in with one it was not. */
public final class ReleaseEndState {
  private ReleaseEndState() {}

  /** The parts of a release's state that must not depend on where the operator stopped (no times). */
  public static List<String> of(KubernetesClient client, String ns) {
    AppReleaseStatus s = client.resources(AppRelease.class).inNamespace(ns).withName("backend").get().getStatus();
    List<String> state = new ArrayList<>();
    state.add("phase=" + s.phase);
    state.add("active=" + s.activeColor + "/" + s.activeRevision);
    state.add("current=" + s.currentColor + "/" + s.currentRevision);
    state.add("previous=" + s.previousColor + "/" + s.previousRevision);
    state.add("tokens=" + s.lastPromoteToken + "/" + s.lastRollbackToken);
    state.add("history=" + s.history.stream().map(h -> h.revision + ":" + h.version + ":" + h.color + ":" + h.outcome).toList());
    // the conditions as a reader of status sees them (type, status, reason; messages carry times and counts): a run
    // stopped at any write must not leave a gate saying what was true before it (a recovered switch did, once)
    state.add("conditions=" + s.conditions.stream().map(c -> c.getType() + "=" + c.getStatus() + "/" + c.getReason()).sorted().toList());
    state.add("service=" + selected(client.services().inNamespace(ns).withName("backend").get()));
    state.add("preview=" + selected(client.services().inNamespace(ns).withName("backend-preview").get()));
    for (String color : List.of("blue", "green")) {
      var d = client.apps().deployments().inNamespace(ns).withName("backend-" + color).get();
      state.add(color + "=" + (d == null ? "none" : d.getSpec().getReplicas() + " rev "
          + d.getSpec().getTemplate().getMetadata().getLabels().get(Labels.REVISION)));
    }
    return state;
  }

  static String selected(Service s) {
    return s == null || s.getSpec().getSelector() == null ? null : s.getSpec().getSelector().get(Labels.COLOR);
  }

  /**
   * Every color the active Service selected, in order (consecutive repeats folded), as seen by a watch: where traffic
   * went, from the cluster itself rather than from status.
   */
  public static final class ServiceColors implements AutoCloseable {
    private final List<String> colors = new CopyOnWriteArrayList<>();
    private final Watch watch;

    public ServiceColors(KubernetesClient client, String ns) {
      watch = client.services().inNamespace(ns).withName("backend").watch(new Watcher<>() {
        @Override
        public void eventReceived(Action action, Service s) {
          String c = action == Action.DELETED ? "deleted" : selected(s);
          if (c != null && (colors.isEmpty() || !colors.get(colors.size() - 1).equals(c))) {
            colors.add(c);
          }
        }

        @Override
        public void onClose(WatcherException cause) {}
      });
    }

    public List<String> colors() {
      return List.copyOf(colors);
    }

    @Override
    public void close() {
      watch.close();
    }
  }
}
