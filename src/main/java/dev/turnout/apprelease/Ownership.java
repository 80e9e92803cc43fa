package dev.turnout.apprelease;

import dev.turnout.common.OwnedObjects;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;
import java.util.Optional;

/**
 * Turnout never adopts or overwrites a Service or Deployment it did not create. The informers only list objects Turnout
 * labelled, so a name missing from the snapshot is looked up on the server before anything is created under it.
 */
final class Ownership {
  private Ownership() {}

  static Optional<String> conflict(KubernetesClient client, ReleaseRun run) {
    AppRelease release = run.release;
    for (String name : List.of(release.activeServiceName(), release.previewServiceName())) {
      Service s = run.snapshot.service(name);
      if (s == null) {
        s = client.services().inNamespace(run.namespace()).withName(name).get();
      }
      Optional<String> c = OwnedObjects.conflict(s, release);
      if (c.isPresent()) {
        return c;
      }
    }
    for (Color color : Color.values()) {
      if (run.snapshot.deployment(color) == null) {
        Deployment d = client.apps().deployments().inNamespace(run.namespace()).withName(release.deploymentName(color)).get();
        Optional<String> c = OwnedObjects.conflict(d, release);
        if (c.isPresent()) {
          return c;
        }
      }
    }
    return Optional.empty();
  }
}
