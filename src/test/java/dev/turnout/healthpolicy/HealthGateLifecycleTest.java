package dev.turnout.healthpolicy;

import static dev.turnout.testing.Releases.color;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpExchange;
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
import dev.turnout.testing.Reconciles;
import dev.turnout.testing.Releases;
import dev.turnout.testing.TestClock;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.awaitility.core.ThrowingRunnable;
import org.junit.jupiter.api.Test;

/** HealthPolicy gates of AppReleases against real HTTP servers on the simulated pods of the embedded cluster. */
@QuarkusTest
@QuarkusTestResource(EmbeddedClusterResource.class)
class HealthGateLifecycleTest {
  static final Duration WAIT = Duration.ofSeconds(30);
  static final String ORIGIN = "https://dev.autoauthor.app";
  static final String POLICY = "backend-health";

  @Inject KubernetesClient client;
  @Inject TestClock clock;
  @Inject MeterRegistry registry;
  @Inject Reconciles reconciles;

  ClusterSimulator sim() {
    return EmbeddedClusterResource.simulator();
  }

  // ---- helpers -------------------------------------------------------------------------------------------

  static HealthPolicy policy(String ns, Consumer<HealthPolicySpec> change) {
    return dev.turnout.testing.HealthPolicies.backendHealth(ns, ORIGIN, change);
  }

  /** A namespace with blue and green served by their own backends, and the policy. */
  record Setup(String ns, FastApiBackend blue, FastApiBackend green) {}

  Setup setup(String prefix, Consumer<HealthPolicySpec> change) {
    String ns = Releases.newNamespace(client, prefix);
    FastApiBackend blue = new FastApiBackend(ORIGIN);
    FastApiBackend green = new FastApiBackend(ORIGIN);
    sim().serve(ns, color("backend", "blue"), blue);
    sim().serve(ns, color("backend", "green"), green);
    if (change != null) {
      client.resource(policy(ns, change)).create();
    }
    return new Setup(ns, blue, green);
  }

  AppRelease backend(String ns, String version, String policyName) {
    AppRelease ar = Releases.backend(ns, version, 2);
    ar.getSpec().healthPolicyRef = new LocalObjectRef(policyName);
    return ar;
  }

  Resource<AppRelease> release(String ns) {
    return client.resources(AppRelease.class).inNamespace(ns).withName("backend");
  }

  AppReleaseStatus status(String ns) {
    return release(ns).get().getStatus();
  }

  String activeColor(String ns) {
    Service s = client.services().inNamespace(ns).withName("backend").get();
    return s == null ? null : s.getSpec().getSelector().get(Labels.COLOR);
  }

  String healthCondition(String ns) {
    return status(ns).conditions.stream().filter(c -> c.getType().equals("HealthChecksPassing"))
        .map(c -> c.getStatus() + ": " + c.getMessage()).findFirst().orElse("none");
  }

  void eventually(ThrowingRunnable assertion) {
    await().atMost(WAIT).ignoreExceptions().pollInterval(Duration.ofMillis(100)).untilAsserted(assertion);
  }

  void edit(String ns, Consumer<AppRelease> change) {
    Releases.update(client, ns, "backend", change);
  }

  AppRelease nudge(String ns) {
    return Releases.nudge(client, ns, "backend");
  }

  /** Nudges the release and waits until a reconcile that started from the nudged object has finished. */
  void nudgeAndAwaitReconcile(String ns) {
    reconciles.awaitReconciled(nudge(ns));
  }

  List<String> eventReasons(String ns) {
    return client.v1().events().inNamespace(ns).list().getItems().stream().map(Event::getReason).toList();
  }

  void liveOnBlue(String ns, String policyName) {
    client.resource(backend(ns, "1.0.0", policyName)).create();
    eventually(() -> {
      assertThat(activeColor(ns)).isEqualTo("blue");
      assertThat(status(ns).phase).isEqualTo("Healthy");
    });
  }

  void switchedToGreen(String ns) {
    edit(ns, ar -> ar.getSpec().version = "1.1.0");
    eventually(() -> {
      assertThat(activeColor(ns)).isEqualTo("green");
      assertThat(status(ns).switchConvergedAt).isNotNull();
      assertThat(status(ns).previousColor).isEqualTo("blue");
    });
  }

  double counter(String name, String... tags) {
    var c = registry.find(name).tags(tags).counters();
    return c.stream().mapToDouble(x -> x.count()).sum();
  }

  // ---- tests ---------------------------------------------------------------------------------------------

  @Test
  void newColorFailingPrePromotionNeverGetsTrafficAndFailsAtTheDeadline() {
    Setup s = setup("hp-pre", spec -> {});
    liveOnBlue(s.ns(), POLICY);
    s.green().mode(Mode.DATABASE_DOWN);
    edit(s.ns(), ar -> ar.getSpec().version = "1.1.0");
    eventually(() -> {
      assertThat(healthCondition(s.ns())).startsWith("False")
          .contains("HealthPolicy backend-health").contains("checks failing on Service backend-preview (green)")
          .contains("503").contains("$.database");
      assertThat(status(s.ns()).phase).isEqualTo("Progressing");
    });
    assertThat(activeColor(s.ns())).isEqualTo("blue");
    clock.advance(Duration.ofSeconds(301));
    nudge(s.ns());
    eventually(() -> {
      AppReleaseStatus st = status(s.ns());
      assertThat(st.phase).isEqualTo("Failed");
      assertThat(st.history.get(0).reason).contains("progressDeadlineSeconds=300").contains("HealthPolicy backend-health");
    });
    assertThat(activeColor(s.ns())).isEqualTo("blue");
    assertThat(counter("turnout.health.checks", "namespace", s.ns(), "policy", POLICY, "check", "api", "outcome", "fail")).isGreaterThan(0);
  }

  @Test
  void passingThenFailingAfterTheSwitchIsRevertedToBlue() {
    Setup s = setup("hp-revert", spec -> {});
    liveOnBlue(s.ns(), POLICY);
    switchedToGreen(s.ns());
    // the post-promotion gate is opened by the reconcile after the switch converged, not at once
    eventually(() -> assertThat(registry.find("turnout.health.gate").tags("namespace", s.ns(), "phase", "post").gauge()).isNotNull());
    s.green().mode(Mode.DATABASE_DOWN);
    eventually(() -> {
      assertThat(activeColor(s.ns())).isEqualTo("blue");
      AppReleaseStatus st = status(s.ns());
      assertThat(st.phase).isEqualTo("RolledBack");
      assertThat(st.activeRevision).isEqualTo(1L);
      assertThat(st.history.get(0).outcome).isEqualTo("RolledBack");
      assertThat(st.history.get(0).reason).contains("automatic revert").contains("HealthPolicy backend-health").contains("503");
    });
    assertThat(eventReasons(s.ns())).contains("RolledBack");
    assertThat(counter("turnout.releases.rolled.back", "namespace", s.ns(), "trigger", "health")).isEqualTo(1.0);
    var latency = registry.find("turnout.health.revert.latency").tags("namespace", s.ns()).timer();
    assertThat(latency).isNotNull();
    assertThat(latency.count()).isEqualTo(1);
    assertThat(latency.totalTime(java.util.concurrent.TimeUnit.MILLISECONDS)).isLessThan(5000);
  }

  /** Fails one request in three on each pod: never two failing rounds in a row. */
  static final class Flapping implements HttpHandler {
    final FastApiBackend healthy = new FastApiBackend(ORIGIN);
    final FastApiBackend down = new FastApiBackend(ORIGIN).mode(Mode.DATABASE_DOWN);
    final Map<String, AtomicInteger> perPod = new ConcurrentHashMap<>();
    final AtomicInteger failures = new AtomicInteger();

    @Override
    public void handle(HttpExchange exchange) throws IOException {
      int n = perPod.computeIfAbsent(exchange.getLocalAddress().getHostString(), k -> new AtomicInteger()).incrementAndGet();
      if (n % 3 == 0) {
        failures.incrementAndGet();
        down.handle(exchange);
      } else {
        healthy.handle(exchange);
      }
    }
  }

  @Test
  void aFlappingCheckBelowTheFailureThresholdDoesNotRevert() throws Exception {
    Setup s = setup("hp-flap", spec -> {});
    liveOnBlue(s.ns(), POLICY);
    switchedToGreen(s.ns());
    Flapping flapping = new Flapping();
    sim().serve(s.ns(), color("backend", "green"), flapping);
    await().atMost(WAIT).until(() -> flapping.failures.get() >= 6);
    nudgeAndAwaitReconcile(s.ns());
    assertThat(activeColor(s.ns())).isEqualTo("green");
    AppReleaseStatus st = status(s.ns());
    assertThat(st.phase).isEqualTo("Healthy");
    assertThat(st.history.get(0).outcome).isEqualTo("Promoted");
    assertThat(counter("turnout.releases.rolled.back", "namespace", s.ns())).isZero();
  }

  @Test
  void dryRunReportsButNeverBlocksNorReverts() throws Exception {
    Setup s = setup("hp-dry", spec -> spec.dryRun = true);
    liveOnBlue(s.ns(), POLICY);
    s.green().mode(Mode.DATABASE_DOWN);
    edit(s.ns(), ar -> ar.getSpec().version = "1.1.0");
    eventually(() -> {
      assertThat(activeColor(s.ns())).isEqualTo("green");
      assertThat(healthCondition(s.ns())).startsWith("True").contains("dry run");
    });
    // the post-promotion gate closes, and nothing happens
    eventually(() -> assertThat(client.resources(HealthPolicy.class).inNamespace(s.ns()).withName(POLICY).get().getStatus().releases)
        .anySatisfy(r -> {
          assertThat(r.service).isEqualTo("backend");
          assertThat(r.gate).isEqualTo("Closed");
        }));
    nudgeAndAwaitReconcile(s.ns());
    assertThat(activeColor(s.ns())).isEqualTo("green");
    assertThat(status(s.ns()).phase).isEqualTo("Healthy");
  }

  @Test
  void aMissingHealthPolicyWaitsWithAMessageNamingIt() throws Exception {
    Setup s = setup("hp-missing", null);
    client.resource(backend(s.ns(), "1.0.0", "no-such-policy")).create();
    eventually(() -> assertThat(status(s.ns()).message).contains("HealthPolicy no-such-policy").contains("does not exist"));
    nudgeAndAwaitReconcile(s.ns());
    assertThat(activeColor(s.ns())).isNull();
    // once it exists, the release goes live
    HealthPolicy p = policy(s.ns(), spec -> {});
    p.getMetadata().setName("no-such-policy");
    client.resource(p).create();
    eventually(() -> assertThat(activeColor(s.ns())).isEqualTo("blue"));
  }

  @Test
  void aMissingCorsHeaderFailsTheCheckWithAnActionableMessage() {
    Setup s = setup("hp-cors", spec -> {});
    liveOnBlue(s.ns(), POLICY);
    s.green().mode(Mode.NO_CORS);
    edit(s.ns(), ar -> ar.getSpec().version = "1.1.0");
    eventually(() -> assertThat(healthCondition(s.ns())).startsWith("False")
        .contains("missing header Access-Control-Allow-Origin (expected \"" + ORIGIN + "\")"));
    assertThat(activeColor(s.ns())).isEqualTo("blue");
  }

  @Test
  void healthPolicyStatusListsTheReleasesChecks() {
    Setup s = setup("hp-status", spec -> {});
    liveOnBlue(s.ns(), POLICY);
    eventually(() -> {
      HealthPolicy p = client.resources(HealthPolicy.class).inNamespace(s.ns()).withName(POLICY).get();
      assertThat(p.getStatus().releases).anySatisfy(r -> {
        assertThat(r.release).isEqualTo("backend");
        assertThat(r.service).isEqualTo("backend-preview");
        assertThat(r.gate).isEqualTo("Open");
        assertThat(r.checks).singleElement().satisfies(c -> {
          assertThat(c.name).isEqualTo("api");
          assertThat(c.passed).isTrue();
          assertThat(c.consecutiveSuccesses).isGreaterThanOrEqualTo(2);
          assertThat(c.consecutiveFailures).isZero();
          assertThat(c.latencyMillis).isNotNull();
          assertThat(c.time).isNotNull();
          assertThat(c.message).isNotBlank();
        });
      });
      assertThat(p.getStatus().conditions).anySatisfy(c -> assertThat(c.getType()).isEqualTo("Ready"));
    });
  }

  /**
   * Idle means no writes: a live release whose policy keeps passing is probed every second and both reconcilers run
   * (the policy's every 10 s; the release's recheck is every 30 s, so it is nudged once in the window), yet neither
   * the HealthPolicy's status nor the AppRelease's may be written while nothing changed. Observed for 25 s, longer
   * than two periodic refreshes of the policy's results; that both reconcilers did run in it is asserted.
   */
  @Test
  void aSettledReleaseAndItsPolicyMakeNoStatusWrites() {
    Setup s = setup("hp-idle", spec -> {});
    liveOnBlue(s.ns(), POLICY);
    // settled: the release's gate is open and the policy's status says so
    eventually(() -> assertThat(client.resources(HealthPolicy.class).inNamespace(s.ns()).withName(POLICY).get().getStatus().releases)
        .singleElement().satisfies(r -> assertThat(r.gate).isEqualTo("Open")));
    var server = EmbeddedClusterResource.cluster().server();
    await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> true);
    ApiWrites.drain(server);
    Reconciles.Mark windowStart = reconciles.mark();
    // the release's own recheck is every 30 s, longer than the window: a nudge makes sure it is reconciled in it
    // (the nudge's PUT of the AppRelease itself is not counted below)
    AppRelease nudged = nudge(s.ns());
    List<String> writes = new CopyOnWriteArrayList<>();
    String base = "/apis/turnout.dev/v1alpha1/namespaces/" + s.ns() + "/";
    Runnable collect = () -> {
      writes.addAll(ApiWrites.drainWrites(server, p -> p.startsWith(base + "healthpolicies/") || p.startsWith(base + "appreleases/"))
          .stream().filter(w -> !w.equals("PUT " + base + "appreleases/backend")).toList());
      assertThat(writes).as("writes to the policy and the release while nothing changed").isEmpty();
    };
    // the window lasts until both reconcilers ran in it (the policy's periodic refresh, every RESULTS_EVERY = 10 s, is
    // where new check results would be written; the release's reconcile of the nudge), then 3 s more for their writes
    await().pollInterval(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(40)).untilAsserted(() -> {
      collect.run();
      assertThat(reconciles.reconciledAfter("HealthPolicy", s.ns(), POLICY, windowStart)).as("policy reconciled in the window").isTrue();
      assertThat(reconciles.reconciledAfter("AppRelease", s.ns(), "backend", windowStart)).as("release reconciled in the window").isTrue();
    });
    await().pollInterval(Duration.ofSeconds(1)).during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).untilAsserted(collect::run);
    reconciles.awaitReconciled(nudged); // already true: the window was long enough
    assertThat(activeColor(s.ns())).isEqualTo("blue");
  }

  /** Issue 10 item 12: deleting the HealthPolicy changes nothing the pods run, so it is no new revision. */
  @Test
  void deletingTheHealthPolicyOfAReadinessGateStartsNoRevision() {
    Setup s = setup("hp-rg-del", spec -> {
      spec.readinessGate = new HealthPolicySpec.ReadinessGateSpec();
      spec.readinessGate.conditionType = "turnout.dev/deep-health";
    });
    liveOnBlue(s.ns(), POLICY);
    assertThat(status(s.ns()).readinessGate).isEqualTo("turnout.dev/deep-health");
    client.resources(HealthPolicy.class).inNamespace(s.ns()).withName(POLICY).delete();
    await().atMost(WAIT).until(() -> client.resources(HealthPolicy.class).inNamespace(s.ns()).withName(POLICY).get() == null);
    // the operator has seen the deletion: the health gate says the policy is missing on the next reconcile
    nudgeAndAwaitReconcile(s.ns());
    nudgeAndAwaitReconcile(s.ns());
    AppReleaseStatus st = status(s.ns());
    assertThat(st.currentRevision).as("no revision for a deleted policy").isEqualTo(1L);
    assertThat(st.readinessGate).isEqualTo("turnout.dev/deep-health");
    assertThat(eventReasons(s.ns())).filteredOn("RevisionCreated"::equals).hasSize(1);
    assertThat(client.apps().deployments().inNamespace(s.ns()).withName("backend-blue").get().getSpec().getTemplate().getSpec()
        .getReadinessGates()).extracting(g -> g.getConditionType()).containsExactly("turnout.dev/deep-health");
  }

  @Test
  void readinessGateIsAddedToThePodTemplateAndSetOnEachPod() {
    Setup s = setup("hp-rg", spec -> {
      spec.readinessGate = new HealthPolicySpec.ReadinessGateSpec();
      spec.readinessGate.conditionType = "turnout.dev/deep-health";
    });
    liveOnBlue(s.ns(), POLICY);
    Deployment blue = client.apps().deployments().inNamespace(s.ns()).withName("backend-blue").get();
    assertThat(blue.getSpec().getTemplate().getSpec().getReadinessGates())
        .extracting(g -> g.getConditionType()).containsExactly("turnout.dev/deep-health");
    List<Pod> pods = client.pods().inNamespace(s.ns()).withLabels(color("backend", "blue")).list().getItems();
    assertThat(pods).hasSize(2).allSatisfy(p -> assertThat(p.getStatus().getConditions())
        .anySatisfy(c -> {
          assertThat(c.getType()).isEqualTo("turnout.dev/deep-health");
          assertThat(c.getStatus()).isEqualTo("True");
        }));
    // a green that fails its checks: condition False on its pods, never ready, never promoted
    s.green().mode(Mode.DATABASE_DOWN);
    edit(s.ns(), ar -> ar.getSpec().version = "1.1.0");
    eventually(() -> {
      List<Pod> green = client.pods().inNamespace(s.ns()).withLabels(color("backend", "green")).list().getItems();
      assertThat(green).hasSize(2).allSatisfy(p -> assertThat(p.getStatus().getConditions()).anySatisfy(c -> {
        assertThat(c.getType()).isEqualTo("turnout.dev/deep-health");
        assertThat(c.getStatus()).isEqualTo("False");
        assertThat(c.getMessage()).contains("503");
      }).anySatisfy(c -> {
        assertThat(c.getType()).isEqualTo("Ready");
        assertThat(c.getStatus()).isEqualTo("False");
      }));
    });
    assertThat(activeColor(s.ns())).isEqualTo("blue");
    // fixed: the condition turns True, the pods become ready and green goes live
    s.green().mode(Mode.HEALTHY);
    eventually(() -> assertThat(activeColor(s.ns())).isEqualTo("green"));
  }
}
