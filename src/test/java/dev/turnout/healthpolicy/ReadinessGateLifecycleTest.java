package dev.turnout.healthpolicy;

import static dev.turnout.testing.Releases.color;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpHandler;
import dev.turnout.apprelease.AppRelease;
import dev.turnout.apprelease.AppReleaseStatus;
import dev.turnout.common.Labels;
import dev.turnout.common.LocalObjectRef;
import dev.turnout.sim.ClusterSimulator;
import dev.turnout.sim.FastApiBackend;
import dev.turnout.sim.FastApiBackend.Mode;
import dev.turnout.testing.ApiWrites;
import dev.turnout.testing.EmbeddedClusterResource;
import dev.turnout.testing.HealthPolicies;
import dev.turnout.testing.PodFaults;
import dev.turnout.testing.Releases;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.awaitility.core.ThrowingRunnable;
import org.junit.jupiter.api.Test;

/**
 * Readiness gates of a HealthPolicy on the embedded cluster (issue 10, items 9 to 11): every pod of the release that
 * carries the gate, of either color, is probed on its own and gets its condition from its own rounds.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedClusterResource.class)
class ReadinessGateLifecycleTest {
  static final Duration WAIT = Duration.ofSeconds(30);
  static final String ORIGIN = "https://dev.autoauthor.app";
  static final String GATE = "turnout.dev/deep-health";

  @Inject KubernetesClient client;

  ClusterSimulator sim() {
    return EmbeddedClusterResource.simulator();
  }

  static void withGate(HealthPolicySpec spec) {
    spec.readinessGate = new HealthPolicySpec.ReadinessGateSpec();
    spec.readinessGate.conditionType = GATE;
  }

  String namespace(String prefix, HttpHandler blue, HttpHandler green, Consumer<HealthPolicySpec> change) {
    String ns = Releases.newNamespace(client, prefix);
    sim().serve(ns, color("backend", "blue"), blue);
    if (green != null) {
      sim().serve(ns, color("backend", "green"), green);
    }
    client.resource(HealthPolicies.backendHealth(ns, ORIGIN, spec -> {
      withGate(spec);
      change.accept(spec);
    })).create();
    AppRelease ar = Releases.backend(ns, "1.0.0", 2);
    ar.getSpec().healthPolicyRef = new LocalObjectRef(HealthPolicies.NAME);
    client.resource(ar).create();
    return ns;
  }

  AppReleaseStatus status(String ns) {
    return client.resources(AppRelease.class).inNamespace(ns).withName("backend").get().getStatus();
  }

  String activeColor(String ns) {
    Service s = client.services().inNamespace(ns).withName("backend").get();
    return s == null ? null : s.getSpec().getSelector().get(Labels.COLOR);
  }

  List<Pod> pods(String ns, String color) {
    return client.pods().inNamespace(ns).withLabels(color("backend", color)).list().getItems().stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
  }

  static PodCondition condition(Pod p, String type) {
    return p.getStatus() == null ? null
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

  void eventually(ThrowingRunnable assertion) {
    await().atMost(WAIT).ignoreExceptions().pollInterval(Duration.ofMillis(100)).untilAsserted(assertion);
  }

  void liveOnBlue(String ns) {
    eventually(() -> {
      assertThat(activeColor(ns)).isEqualTo("blue");
      assertThat(pods(ns, "blue")).hasSize(2).allSatisfy(p -> {
        assertThat(gate(p)).isEqualTo("True");
        assertThat(ready(p)).isTrue();
      });
    });
  }

  /** Deletes one pod of {@code color}; its replacement (created by the Deployment) must pass the gate and be Ready. */
  void aDeletedPodIsReplacedAndPassesTheGate(String ns, String color) {
    Pod victim = pods(ns, color).get(0);
    client.resource(victim).delete();
    eventually(() -> assertThat(pods(ns, color)).hasSize(2)
        .noneSatisfy(p -> assertThat(p.getMetadata().getUid()).isEqualTo(victim.getMetadata().getUid()))
        .allSatisfy(p -> {
          assertThat(gate(p)).isEqualTo("True");
          assertThat(condition(p, GATE).getReason()).isEqualTo("HealthChecksPassed");
          assertThat(ready(p)).isTrue();
        }));
    eventually(() -> assertThat(sim().readyEndpoints(ns, "backend")).hasSize(2));
  }

  List<String> podStatusPatches(String ns) {
    return ApiWrites.drainWrites(EmbeddedClusterResource.cluster().server(),
        p -> p.startsWith("/api/v1/namespaces/" + ns + "/pods/") && p.contains("/status"))
        .stream().filter(w -> w.startsWith("PATCH")).toList();
  }

  // ---- item 9: both colors, whatever the release is doing ------------------------------------------------

  @Test
  void afterAnAutomaticRevertAReplacedPodOfTheLiveColorBecomesReadyThroughTheGate() {
    FastApiBackend green = new FastApiBackend(ORIGIN);
    String ns = namespace("rg-revert", new FastApiBackend(ORIGIN), green, spec -> {});
    liveOnBlue(ns);
    Releases.update(client, ns, "backend", ar -> ar.getSpec().version = "1.1.0");
    eventually(() -> assertThat(activeColor(ns)).isEqualTo("green"));
    eventually(() -> assertThat(status(ns).switchConvergedAt).isNotNull());
    green.mode(Mode.DATABASE_DOWN);
    eventually(() -> {
      assertThat(activeColor(ns)).isEqualTo("blue");
      assertThat(status(ns).phase).isEqualTo("RolledBack");
    });
    // status.currentColor is still green (the reverted revision): the gate must cover blue's pods all the same
    assertThat(status(ns).currentColor).isEqualTo("green");
    aDeletedPodIsReplacedAndPassesTheGate(ns, "blue");
  }

  @Test
  void whilePausedWithAFailedCandidateAReplacedLivePodBecomesReadyThroughTheGate() {
    FastApiBackend green = new FastApiBackend(ORIGIN).mode(Mode.DATABASE_DOWN);
    String ns = namespace("rg-paused", new FastApiBackend(ORIGIN), green, spec -> {});
    liveOnBlue(ns);
    Releases.update(client, ns, "backend", ar -> ar.getSpec().version = "1.1.0");
    // green's pods fail their gate: never ready, never promoted
    eventually(() -> assertThat(pods(ns, "green")).hasSize(2).allSatisfy(p -> assertThat(gate(p)).isEqualTo("False")));
    Releases.update(client, ns, "backend", ar -> ar.getSpec().paused = true);
    eventually(() -> assertThat(status(ns).phase).isEqualTo("Paused"));
    assertThat(status(ns).currentColor).isEqualTo("green");
    aDeletedPodIsReplacedAndPassesTheGate(ns, "blue");
    assertThat(activeColor(ns)).isEqualTo("blue");
  }

  // ---- item 10: per-pod state and thresholds -------------------------------------------------------------

  @Test
  void failingRoundsOnOnePodFlipNeitherItBeforeFailureThresholdNorAnyOtherPod() {
    PodFaults faults = new PodFaults(ORIGIN);
    // only the readiness gate probes the pods here: no pre- or post-promotion checks to count requests against
    String ns = namespace("rg-perpod", faults, null, spec -> {
      spec.failureThreshold = 3;
      spec.prePromotion.enabled = false;
      spec.postPromotion = null;
    });
    liveOnBlue(ns);
    List<Pod> blue = pods(ns, "blue");
    String victim = blue.get(0).getStatus().getPodIP();
    String victimName = blue.get(0).getMetadata().getName();
    String otherName = blue.get(1).getMetadata().getName();
    podStatusPatches(ns);

    // two failing rounds of three on one pod: no pod's condition changes, nothing is written
    int before = faults.requests(victim);
    faults.failNext(victim, 2);
    await().atMost(WAIT).until(() -> faults.requests(victim) >= before + 5); // 2 failing rounds, 3 passing ones
    assertThat(faults.failures(victim)).isEqualTo(2);
    assertThat(pods(ns, "blue")).hasSize(2).allSatisfy(p -> {
      assertThat(gate(p)).isEqualTo("True");
      assertThat(ready(p)).isTrue();
    });
    assertThat(podStatusPatches(ns)).as("pod status writes while no pod reached its failure threshold").isEmpty();

    // three failing rounds in a row: that pod alone is dropped
    faults.failAlways(victim);
    eventually(() -> {
      Pod p = client.pods().inNamespace(ns).withName(victimName).get();
      assertThat(gate(p)).isEqualTo("False");
      assertThat(condition(p, GATE).getMessage()).contains("failed 3 round(s) in a row on this pod").contains("503");
      assertThat(ready(p)).isFalse();
    });
    assertThat(faults.failures(victim)).isGreaterThanOrEqualTo(2 + 3);
    Pod other = client.pods().inNamespace(ns).withName(otherName).get();
    assertThat(gate(other)).isEqualTo("True");
    assertThat(ready(other)).isTrue();
    List<String> patches = podStatusPatches(ns);
    assertThat(patches).as("one write, on the failing pod").singleElement().asString().contains("/pods/" + victimName + "/");

    // healed: back after successThreshold (2) passing rounds
    faults.heal(victim);
    eventually(() -> assertThat(gate(client.pods().inNamespace(ns).withName(victimName).get())).isEqualTo("True"));
  }

  // ---- item 11: a readiness gate needs a per-pod check; dependency checks gate promotion only --------------

  @Test
  void aReadinessGateWithOnlyDependencyChecksIsIgnoredAndTheHealthPolicySaysSo() throws Exception {
    try (ServerSocket mongo = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      // as with a CRD installed without its CEL rules (the mock API server validates nothing)
      String ns = namespace("rg-deponly", new FastApiBackend(ORIGIN), null, spec -> {
        CheckSpec tcp = new CheckSpec();
        tcp.name = "mongo";
        tcp.tcp = new CheckSpec.TcpCheck();
        tcp.tcp.host = "127.0.0.1";
        tcp.tcp.port = mongo.getLocalPort();
        spec.checks = new ArrayList<>(List.of(tcp));
      });
      // no gate in the pod template, so the pods become ready and the release goes live
      eventually(() -> assertThat(activeColor(ns)).isEqualTo("blue"));
      assertThat(client.apps().deployments().inNamespace(ns).withName("backend-blue").get()
          .getSpec().getTemplate().getSpec().getReadinessGates()).isNullOrEmpty();
      eventually(() -> assertThat(client.resources(HealthPolicy.class).inNamespace(ns).withName(HealthPolicies.NAME).get()
          .getStatus().conditions).anySatisfy(c -> {
            assertThat(c.getType()).isEqualTo("ReadinessGate");
            assertThat(c.getStatus()).isEqualTo("False");
            assertThat(c.getReason()).isEqualTo("NoPerPodChecks");
            assertThat(c.getMessage()).startsWith("spec.readinessGate: ").contains("ignored");
          }));
      assertThat(client.v1().events().inNamespace(ns).list().getItems()).anySatisfy(e -> {
        assertThat(e.getReason()).isEqualTo("ReadinessGateIgnored");
        assertThat(e.getInvolvedObject().getKind()).isEqualTo("HealthPolicy");
        assertThat(e.getMessage()).contains("spec.readinessGate");
      });
    }
  }

  @Test
  void aFailingDependencyCheckHoldsThePromotionButNoPodBack() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      closed = s.getLocalPort();
    }
    int port = closed;
    String ns = namespace("rg-dep", new FastApiBackend(ORIGIN), null, spec -> {
      CheckSpec tcp = new CheckSpec();
      tcp.name = "mongo";
      tcp.tcp = new CheckSpec.TcpCheck();
      tcp.tcp.host = "127.0.0.1";
      tcp.tcp.port = port;
      spec.checks.add(tcp);
    });
    // every pod passes its own check (api) and is ready; the release waits on the dependency
    eventually(() -> {
      assertThat(pods(ns, "blue")).hasSize(2).allSatisfy(p -> {
        assertThat(gate(p)).isEqualTo("True");
        assertThat(ready(p)).isTrue();
      });
      assertThat(status(ns).conditions).anySatisfy(c -> {
        assertThat(c.getType()).isEqualTo("HealthChecksPassing");
        assertThat(c.getStatus()).isEqualTo("False");
        assertThat(c.getMessage()).contains("mongo: tcp 127.0.0.1:" + port + ": connection refused");
      });
    });
    assertThat(activeColor(ns)).isNull();
    assertThat(client.v1().events().inNamespace(ns).list().getItems()).extracting(Event::getReason)
        .doesNotContain("ReadinessGateIgnored");
  }
}
