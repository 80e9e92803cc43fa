package dev.turnout.realtier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpHandler;
import dev.turnout.apprelease.AppRelease;
import dev.turnout.apprelease.AppReleaseStatus;
import dev.turnout.common.Labels;
import dev.turnout.common.LocalObjectRef;
import dev.turnout.healthpolicy.HealthPolicy;
import dev.turnout.healthpolicy.HealthPolicySpec;
import dev.turnout.sim.FastApiBackend;
import dev.turnout.testing.HealthPolicies;
import dev.turnout.testing.PodFaults;
import dev.turnout.testing.Releases;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
import org.awaitility.core.ThrowingRunnable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * HealthPolicy readiness gates on the real tier (issue 10, items 9 and 10): real ReplicaSets recreate deleted pods
 * under real names ({@code <deployment>-<replicaset hash>-<random>}), and the operator, with the chart's RBAC, sets each
 * pod's condition from that pod's own rounds, on both colors, after a revert, while the release is paused and after an
 * operator restart during the pause.
 */
// stops, kills or restarts the operator (or judges its leadership): nothing else may run meanwhile
@Isolated
class ReadinessGateRealIT {
  static final Duration WAIT = Duration.ofSeconds(90);
  static final String ORIGIN = "https://app.example";
  static final String GATE = "turnout.dev/deep-health";
  @RegisterExtension static final RealNamespace NS = new RealNamespace();

  KubernetesClient client() {
    return NS.tier().admin();
  }

  void eventually(ThrowingRunnable assertion) {
    await().atMost(WAIT).pollInterval(Duration.ofMillis(250)).ignoreExceptions().untilAsserted(assertion);
  }

  /** A release {@code name} with its own policy {@code name}-health carrying the gate; each color served by a handler. */
  void release(String name, HttpHandler blue, HttpHandler green, Consumer<HealthPolicySpec> change) {
    String ns = NS.name();
    NS.tier().simulator().serve(ns, Releases.color(name, "blue"), blue);
    NS.tier().simulator().serve(ns, Releases.color(name, "green"), green);
    HealthPolicy policy = HealthPolicies.backendHealth(ns, ORIGIN, spec -> {
      spec.readinessGate = new HealthPolicySpec.ReadinessGateSpec();
      spec.readinessGate.conditionType = GATE;
      change.accept(spec);
    });
    policy.getMetadata().setName(name + "-health");
    client().resource(policy).create();
    AppRelease ar = Releases.backend(ns, "1.0.0", 2);
    ar.getMetadata().setName(name);
    ar.getSpec().healthPolicyRef = new LocalObjectRef(name + "-health");
    client().resource(ar).create();
  }

  AppReleaseStatus status(String name) {
    return client().resources(AppRelease.class).inNamespace(NS.name()).withName(name).get().getStatus();
  }

  String activeColor(String name) {
    Service s = client().services().inNamespace(NS.name()).withName(name).get();
    return s == null ? null : s.getSpec().getSelector().get(Labels.COLOR);
  }

  List<Pod> pods(String name, String color) {
    return client().pods().inNamespace(NS.name()).withLabels(Releases.color(name, color)).list().getItems().stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
  }

  static PodCondition condition(Pod p, String type) {
    return p == null || p.getStatus() == null ? null
        : p.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
  }

  static String gate(Pod p) {
    PodCondition c = condition(p, GATE);
    return c == null ? "absent" : c.getStatus();
  }

  static boolean ready(Pod p) {
    PodCondition c = condition(p, "Ready");
    return c != null && "True".equals(c.getStatus());
  }

  void allPassTheGate(String name, String color) {
    eventually(() -> assertThat(pods(name, color)).hasSize(2).allSatisfy(p -> {
      assertThat(gate(p)).isEqualTo("True");
      assertThat(ready(p)).isTrue();
    }));
  }

  /** Deletes a pod of {@code color}; the ReplicaSet's replacement passes the gate and serves behind the active Service. */
  void aDeletedPodIsReplacedAndPassesTheGate(String name, String color) {
    Pod victim = pods(name, color).get(0);
    client().resource(victim).delete();
    eventually(() -> assertThat(pods(name, color)).hasSize(2)
        .noneSatisfy(p -> assertThat(p.getMetadata().getUid()).isEqualTo(victim.getMetadata().getUid()))
        .allSatisfy(p -> {
          assertThat(gate(p)).isEqualTo("True");
          assertThat(ready(p)).isTrue();
        }));
    eventually(() -> assertThat(NS.tier().simulator().readyEndpoints(NS.name(), name)).hasSize(2));
  }

  /** The operator's writes of pods/status in the namespace since {@code since}, as pod names. */
  List<String> podStatusWrites(Instant since) {
    return NS.tier().audit().operatorWritesSince(since).stream()
        .filter(e -> NS.name().equals(e.namespace()) && "pods".equals(e.resource()) && "status".equals(e.subresource()))
        .map(AuditLog.Entry::name).toList();
  }

  @Test
  void afterAnAutomaticRevertWhilePausedAndAfterARestartAReplacedLivePodBecomesReadyThroughTheGate() throws Exception {
    String name = "reverted";
    FastApiBackend green = new FastApiBackend(ORIGIN);
    release(name, new FastApiBackend(ORIGIN), green, spec -> spec.postPromotion.windowSeconds = 600);
    eventually(() -> assertThat(activeColor(name)).isEqualTo("blue"));
    allPassTheGate(name, "blue");

    Releases.update(client(), NS.name(), name, a -> a.getSpec().version = "1.1.0");
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
    Releases.update(client(), NS.name(), name, a -> a.getSpec().paused = true);
    eventually(() -> assertThat(status(name).phase).isEqualTo("Paused"));
    aDeletedPodIsReplacedAndPassesTheGate(name, "blue");
    assertThat(activeColor(name)).isEqualTo("blue");

    // an operator restarted while the release is paused finds the gate by itself (no reconcile of it asks for it)
    NS.tier().killOperator();
    NS.tier().startOperator();
    aDeletedPodIsReplacedAndPassesTheGate(name, "blue");
    // a paused release's reconcile no longer asks about its post-promotion checks: their entry leaves the policy's
    // status about 90 s later (docs/healthpolicy.md), a change; idle is measured after it
    await().atMost(Duration.ofSeconds(150)).pollInterval(Duration.ofSeconds(1)).until(() -> client()
        .resources(HealthPolicy.class).inNamespace(NS.name()).withName(name + "-health").get().getStatus().releases.isEmpty());
    IdleWrites.assertNone(NS.tier(), NS.name());
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
      Pod p = client().pods().inNamespace(NS.name()).withName(victimName).get();
      assertThat(gate(p)).isEqualTo("False");
      assertThat(condition(p, GATE).getMessage()).contains("failed 3 round(s) in a row on this pod").contains("503");
      assertThat(ready(p)).isFalse();
    });
    Pod other = client().pods().inNamespace(NS.name()).withName(otherName).get();
    assertThat(gate(other)).isEqualTo("True");
    assertThat(ready(other)).isTrue();
    eventually(() -> assertThat(NS.tier().simulator().readyEndpoints(NS.name(), name)).hasSize(1));
    // one change, on the failing pod only (a second try may follow a conflict with the kubelet's own status write)
    assertThat(podStatusWrites(failingFrom)).as("pods/status writes").isNotEmpty().containsOnly(victimName);

    faults.heal(victim);
    allPassTheGate(name, "blue");
    IdleWrites.assertNone(NS.tier(), NS.name());
  }
}
