package dev.turnout.apprelease;

import dev.turnout.common.OwnedObjects;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;
import java.util.Optional;

/**
 * Turnout never adopts or overwrites a Service or Deployment it did not create. The informers only list objects Turnout
 * labelled, so a name missing from the snapshot is looked up on the server before anything is created under it: before
 * a reconcile starts, the Services' names and, until the first switch, both colors' (a first release creates nothing
 * while one of its names is taken); after that, a missing color's name right before its Deployment is created
 * ({@link #requireFree}). So a release that runs asks the API server nothing: a color that is not needed (the idle
 * color of a release that has one version) is not looked up on every reconcile.
 */
final class Ownership {
  private Ownership() {}

  /** A name of the release taken by an object Turnout did not create; the release is blocked on it. */
  static final class Conflict extends RuntimeException {
    Conflict(String message) {
      super(message, null, false, false);
    }
  }

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
    if (run.status.activeColor != null) {
      // after the first switch a missing color is looked up only when it is about to be created (requireFree)
      return Optional.empty();
    }
    for (Color color : Color.values()) {
      if (run.snapshot.deployment(color) == null) {
        Optional<String> c = lookUp(client, run, color);
        if (c.isPresent()) {
          return c;
        }
      }
    }
    return Optional.empty();
  }

  /** Before a missing color's Deployment is created: throws {@link Conflict} when its name belongs to something else. */
  static void requireFree(KubernetesClient client, ReleaseRun run, Color color) {
    Optional<String> c = lookUp(client, run, color);
    if (c.isPresent()) {
      throw new Conflict(c.get());
    }
  }

  private static Optional<String> lookUp(KubernetesClient client, ReleaseRun run, Color color) {
    Deployment d = client.apps().deployments().inNamespace(run.namespace()).withName(run.release.deploymentName(color)).get();
    return OwnedObjects.conflict(d, run.release);
  }
}
