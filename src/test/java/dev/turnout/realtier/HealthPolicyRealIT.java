package dev.turnout.realtier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.turnout.apprelease.AppRelease;
import dev.turnout.apprelease.AppReleaseStatus;
import dev.turnout.common.Labels;
import dev.turnout.common.LocalObjectRef;
import dev.turnout.sim.FastApiBackend;
import dev.turnout.testing.HealthPolicies;
import dev.turnout.testing.Releases;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import org.awaitility.core.ThrowingRunnable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * HealthPolicy gates on the real tier: the operator probes pods on their real pod IPs (10.244.x.y, published by the
 * real EndpointSlice controller), holds the switch until the checks pass, reverts after the switch when they fail, and
 * while a release merely keeps being watched it writes nothing (it used to patch healthpolicies/status every 10 s).
 */
class HealthPolicyRealIT {
  static final Duration WAIT = Duration.ofSeconds(60);
  static final String ORIGIN = "https://app.example";
  @RegisterExtension static final RealNamespace NS = new RealNamespace();

  KubernetesClient client() {
    return NS.tier().admin();
  }

  AppReleaseStatus status() {
    return client().resources(AppRelease.class).inNamespace(NS.name()).withName("backend").get().getStatus();
  }

  String activeColor() {
    Service s = client().services().inNamespace(NS.name()).withName("backend").get();
    return s == null ? null : s.getSpec().getSelector().get(Labels.COLOR);
  }

  void eventually(ThrowingRunnable assertion) {
    await().atMost(WAIT).pollInterval(Duration.ofMillis(250)).ignoreExceptions().untilAsserted(assertion);
  }


  @Test
  void gatedSwitchThenAutomaticRevertAndNoWritesWhileWatching() throws Exception {
    String ns = NS.name();
    FastApiBackend blue = new FastApiBackend(ORIGIN);
    FastApiBackend green = new FastApiBackend(ORIGIN);
    NS.tier().simulator().serve(ns, Releases.color("backend", "blue"), blue);
    NS.tier().simulator().serve(ns, Releases.color("backend", "green"), green);
    client().resource(HealthPolicies.backendHealth(ns, ORIGIN, spec -> spec.postPromotion.windowSeconds = 600)).create();
    AppRelease ar = Releases.backend(ns, "1.0.0", 2);
    ar.getSpec().healthPolicyRef = new LocalObjectRef("backend-health");
    client().resource(ar).create();
    eventually(() -> {
      assertThat(activeColor()).isEqualTo("blue");
      assertThat(status().phase).isEqualTo("Healthy");
    });
    // the post-promotion watch window runs (600 s): probes every second, and nothing to write
    IdleWrites.assertNone(NS.tier(), ns);

    // a new version whose database is down never gets traffic
    green.mode(FastApiBackend.Mode.DATABASE_DOWN);
    Releases.update(client(), ns, "backend", a -> a.getSpec().version = "1.1.0");
    await().atMost(WAIT).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
        .failFast("traffic moved to the version whose database is down", () -> "green".equals(activeColor()))
        .untilAsserted(() -> assertThat(status().conditions).anySatisfy(c -> {
          assertThat(c.getType()).isEqualTo("HealthChecksPassing");
          assertThat(c.getStatus()).isEqualTo("False");
          assertThat(c.getMessage()).contains("503");
        }));
    // held for a few more probe rounds (interval 1 s), still no traffic
    await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(10))
        .until(() -> "blue".equals(activeColor()));

    // once healthy it is promoted; when it breaks after the switch, traffic goes back to blue
    green.mode(FastApiBackend.Mode.HEALTHY);
    eventually(() -> assertThat(activeColor()).isEqualTo("green"));
    green.mode(FastApiBackend.Mode.DATABASE_DOWN);
    eventually(() -> {
      assertThat(activeColor()).isEqualTo("blue");
      AppReleaseStatus s = status();
      assertThat(s.phase).isEqualTo("RolledBack");
      assertThat(s.history.get(0).reason).contains("automatic revert").contains("503");
    });
    eventually(() -> assertThat(client().v1().events().inNamespace(ns).list().getItems())
        .anySatisfy(e -> assertThat(e.getReason()).isEqualTo("RolledBack")));
    IdleWrites.assertNone(NS.tier(), ns);
  }
}
