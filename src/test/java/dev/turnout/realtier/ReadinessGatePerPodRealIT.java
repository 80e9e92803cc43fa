package dev.turnout.realtier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import dev.turnout.sim.FastApiBackend;
import dev.turnout.testing.PodFaults;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Readiness gates on the real tier, per pod: failing rounds on one pod flip neither it before the failure threshold nor
 * any other pod; runs beside other classes (its idle check is scoped to its namespace).
 */
class ReadinessGatePerPodRealIT extends ReadinessGateScenarios {
  @RegisterExtension static final RealNamespace NS = new RealNamespace();

  @Override
  RealNamespace ns() {
    return NS;
  }

  @Test
  void failingRoundsOnOnePodFlipNeitherItBeforeFailureThresholdNorAnyOtherPod() throws Exception {
    String name = "perpod";
    PodFaults faults = new PodFaults(ORIGIN);
    // only the readiness gate probes the pods: no pre- or post-promotion checks take requests from it
    release(name, faults, new FastApiBackend(ORIGIN), spec -> {
      spec.failureThreshold = 3;
      spec.prePromotion.enabled = false;
      spec.postPromotion = null;
    });
    eventually(() -> assertThat(activeColor(name)).isEqualTo("blue"));
    allPassTheGate(name, "blue");
    List<Pod> blue = pods(name, "blue");
    String victim = blue.get(0).getStatus().getPodIP();
    String victimName = blue.get(0).getMetadata().getName();
    String otherName = blue.get(1).getMetadata().getName();

    Instant quietFrom = Instant.now();
    int before = faults.requests(victim);
    faults.failNext(victim, 2); // two failing rounds of the three that drop a pod
    await().atMost(WAIT).until(() -> faults.requests(victim) >= before + 5);
    assertThat(faults.failures(victim)).isEqualTo(2);
    assertThat(pods(name, "blue")).hasSize(2).allSatisfy(p -> {
      assertThat(gate(p)).isEqualTo("True");
      assertThat(ready(p)).isTrue();
    });
    assertThat(podStatusWrites(quietFrom)).as("pods/status writes before any pod reached its failure threshold").isEmpty();

    Instant failingFrom = Instant.now();
    faults.failAlways(victim);
    eventually(() -> {
      Pod p = client().pods().inNamespace(ns().name()).withName(victimName).get();
      assertThat(gate(p)).isEqualTo("False");
      assertThat(condition(p, GATE).getMessage()).contains("failed 3 round(s) in a row on this pod").contains("503");
      assertThat(ready(p)).isFalse();
    });
    Pod other = client().pods().inNamespace(ns().name()).withName(otherName).get();
    assertThat(gate(other)).isEqualTo("True");
    assertThat(ready(other)).isTrue();
    eventually(() -> assertThat(ns().tier().simulator().readyEndpoints(ns().name(), name)).hasSize(1));
    // one change, on the failing pod only (a second try may follow a conflict with the kubelet's own status write)
    assertThat(podStatusWrites(failingFrom)).as("pods/status writes").isNotEmpty().containsOnly(victimName);

    faults.heal(victim);
    allPassTheGate(name, "blue");
    IdleWrites.assertNone(ns().tier(), ns().name());
  }
}
