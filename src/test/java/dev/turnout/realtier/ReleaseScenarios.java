package dev.turnout.realtier;

import static org.awaitility.Awaitility.await;

import dev.turnout.apprelease.AppRelease;
import dev.turnout.apprelease.AppReleaseStatus;
import dev.turnout.common.Labels;
import dev.turnout.testing.Releases;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import org.awaitility.core.ThrowingRunnable;

/**
 * What the release scenarios of the real tier share: each class registers its own {@link RealNamespace} (one namespace
 * per class, so classes run side by side) and reads its releases through these helpers.
 */
abstract class ReleaseScenarios {
  static final Duration WAIT = Duration.ofSeconds(60);

  abstract RealNamespace ns();

  KubernetesClient client() {
    return ns().tier().admin();
  }

  AppReleaseStatus status(String name) {
    AppRelease ar = client().resources(AppRelease.class).inNamespace(ns().name()).withName(name).get();
    return ar == null ? null : ar.getStatus();
  }

  String activeColor(String name) {
    Service s = client().services().inNamespace(ns().name()).withName(name).get();
    return s == null ? null : s.getSpec().getSelector().get(Labels.COLOR);
  }

  Deployment deployment(String name, String color) {
    return client().apps().deployments().inNamespace(ns().name()).withName(name + "-" + color).get();
  }

  void eventually(ThrowingRunnable assertion) {
    await().atMost(WAIT).pollInterval(Duration.ofMillis(250)).ignoreExceptionsInstanceOf(NullPointerException.class)
        .untilAsserted(assertion);
  }

  AppRelease release(String name, String version) {
    AppRelease ar = Releases.backend(ns().name(), version, 2);
    ar.getMetadata().setName(name);
    return ar;
  }
}
