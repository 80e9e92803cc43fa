package dev.turnout.realtier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import dev.turnout.healthpolicy.HealthPolicy;
import dev.turnout.sim.FastApiBackend;
import dev.turnout.testing.Releases;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Readiness gates on the real tier, the scenario that restarts the operator: after an automatic revert, while paused and
 * after a restart during the pause, a replaced live pod becomes ready through the gate (see {@link ReadinessGateScenarios}).
 */
// restarts the operator: nothing else may run meanwhile
@Isolated
class ReadinessGateRealIT extends ReadinessGateScenarios {
  @RegisterExtension static final RealNamespace NS = new RealNamespace();

  @Override
  RealNamespace ns() {
    return NS;
  }

  @Test
  void afterAnAutomaticRevertWhilePausedAndAfterARestartAReplacedLivePodBecomesReadyThroughTheGate() throws Exception {
    String name = "reverted";
    FastApiBackend green = new FastApiBackend(ORIGIN);
    release(name, new FastApiBackend(ORIGIN), green, spec -> spec.postPromotion.windowSeconds = 600);
    eventually(() -> assertThat(activeColor(name)).isEqualTo("blue"));
    allPassTheGate(name, "blue");

    Releases.update(client(), ns().name(), name, a -> a.getSpec().version = "1.1.0");
    eventually(() -> {
      assertThat(activeColor(name)).isEqualTo("green");
      assertThat(status(name).switchConvergedAt).isNotNull();
    });
    allPassTheGate(name, "green");
    green.mode(FastApiBackend.Mode.DATABASE_DOWN);
    eventually(() -> {
      assertThat(activeColor(name)).isEqualTo("blue");
      assertThat(status(name).phase).isEqualTo("RolledBack");
      assertThat(status(name).history.get(0).reason).contains("automatic revert");
    });
    assertThat(status(name).currentColor).as("the reverted revision's color").isEqualTo("green");
    aDeletedPodIsReplacedAndPassesTheGate(name, "blue");

    // paused: the reconcile changes nothing, and the gate still lets the next replacement in
    Releases.update(client(), ns().name(), name, a -> a.getSpec().paused = true);
    eventually(() -> assertThat(status(name).phase).isEqualTo("Paused"));
    aDeletedPodIsReplacedAndPassesTheGate(name, "blue");
    assertThat(activeColor(name)).isEqualTo("blue");

    // an operator restarted while the release is paused finds the gate by itself (no reconcile of it asks for it)
    ns().tier().killOperator();
    ns().tier().startOperator();
    aDeletedPodIsReplacedAndPassesTheGate(name, "blue");
    // a paused release's reconcile no longer asks about its post-promotion checks: their entry leaves the policy's
    // status about 90 s later (docs/healthpolicy.md), a change; idle is measured after it
    await().atMost(Duration.ofSeconds(150)).pollInterval(Duration.ofSeconds(1)).until(() -> client()
        .resources(HealthPolicy.class).inNamespace(ns().name()).withName(name + "-health").get().getStatus().releases.isEmpty());
    IdleWrites.assertNone(ns().tier(), ns().name());
  }

}
