package dev.turnout.apprelease;

import static dev.turnout.testing.Releases.color;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.turnout.common.Labels;
import dev.turnout.common.LocalObjectRef;
import dev.turnout.sim.FastApiBackend;
import dev.turnout.testing.CrashingWriteCounter;
import dev.turnout.testing.EmbeddedClusterResource;
import dev.turnout.testing.HealthPolicies;
import dev.turnout.testing.ReleaseEndState;
import dev.turnout.testing.Releases;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;
import org.awaitility.core.ThrowingRunnable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Restart safety of the traffic decisions (issue 10 acceptance): for a manual promotion, a manual rollback and an
 * automatic revert, the operator is stopped before each write the scenario makes (one crash point per write, counted
 * per scenario), and resumes from the cluster alone. Every run must end where the uninterrupted run ends, and a watch
 * on the active Service (not status) must see traffic move exactly as in the uninterrupted run: never onto a color that
 * did not pass its gates, never twice for one token.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedClusterResource.class)
class ReleaseCrashSweepTest {
  static final Duration WAIT = Duration.ofSeconds(60);
  static final String ORIGIN = "https://dev.autoauthor.app";

  @Inject KubernetesClient client;
  @Inject CrashingWriteCounter crashes;
  @Inject dev.turnout.common.WriteCounter writeCounter;
  final Map<String, FastApiBackend> greens = new ConcurrentHashMap<>();

  @AfterEach
  void disarm() {
    crashes.disarm();
  }

  record Scenario(String name, Function<String, String> setup, Consumer<String> act, List<String> traffic) {}

  void eventually(ThrowingRunnable assertion) {
    await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).ignoreExceptions().untilAsserted(assertion);
  }

  AppReleaseStatus status(String ns) {
    return client.resources(AppRelease.class).inNamespace(ns).withName("backend").get().getStatus();
  }

  void annotate(String ns, String key, String value) {
    Releases.update(client, ns, "backend", ar -> ar.getMetadata().getAnnotations().put(key, value));
  }

  /** Runs the scenario once without a crash, then once per crash point, and compares. */
  void sweep(Scenario scenario) {
    String okNs = scenario.setup().apply(scenario.name() + "-ok");
    long writes;
    List<String> expected;
    try (var traffic = new ReleaseEndState.ServiceColors(client, okNs)) {
      eventually(() -> assertThat(traffic.colors()).isNotEmpty());
      long before = writeCounter.total();
      scenario.act().accept(okNs);
      writes = writeCounter.total() - before;
      expected = ReleaseEndState.of(client, okNs);
      assertThat(traffic.colors()).as("traffic of the uninterrupted run").isEqualTo(scenario.traffic());
    }
    int points = 0;
    for (int n = 1; n <= 40; n++) {
      String ns = scenario.setup().apply(scenario.name() + "-" + n);
      try (var traffic = new ReleaseEndState.ServiceColors(client, ns)) {
        eventually(() -> assertThat(traffic.colors()).isNotEmpty());
        crashes.crashAtWrite(n);
        scenario.act().accept(ns);
        boolean crashed = crashes.crashed();
        crashes.disarm();
        int point = n;
        eventually(() -> assertThat(ReleaseEndState.of(client, ns)).as("stopped before write %d", point).isEqualTo(expected));
        assertThat(traffic.colors()).as("traffic when stopped before write %d", n).isEqualTo(scenario.traffic());
        if (!crashed) {
          break; // the scenario took fewer than n writes: every point was covered
        }
        points++;
      }
    }
    System.out.printf("restart safety: %s: %d writes without a crash, %d crash points covered%n", scenario.name(), writes, points);
    assertThat(points).as("crash points of %s (about one per write it makes without a crash)", scenario.name())
        .isGreaterThanOrEqualTo((int) writes * 3 / 4).isPositive();
  }

  String liveOnBlue(String ns, Consumer<AppRelease> change) {
    AppRelease ar = Releases.backend(ns, "1.0.0", 2);
    change.accept(ar);
    client.resource(ar).create();
    eventually(() -> assertThat(status(ns).phase).isEqualTo("Healthy"));
    return ns;
  }

  String switchedToGreen(String ns) {
    Releases.update(client, ns, "backend", ar -> ar.getSpec().version = "1.1.0");
    eventually(() -> {
      AppReleaseStatus s = status(ns);
      assertThat(s.activeColor).isEqualTo("green");
      assertThat(s.switchConvergedAt).isNotNull();
      assertThat(s.phase).isEqualTo("Healthy");
    });
    return ns;
  }

  @Test
  void aManualPromotionStoppedAtAnyWriteSwitchesOnceForItsToken() {
    sweep(new Scenario("promote",
        prefix -> {
          String ns = liveOnBlue(Releases.newNamespace(client, prefix), ar -> {});
          // manual promotion from the second release on (the first would wait for a token too)
          Releases.update(client, ns, "backend", ar -> ar.getSpec().strategy.autoPromote = false);
          return ns;
        },
        ns -> {
          Releases.update(client, ns, "backend", ar -> ar.getSpec().version = "1.1.0");
          eventually(() -> assertThat(status(ns).phase).isEqualTo("AwaitingPromotion"));
          annotate(ns, Labels.PROMOTE, "go-1");
          eventually(() -> {
            AppReleaseStatus s = status(ns);
            assertThat(s.activeColor).isEqualTo("green");
            assertThat(s.switchConvergedAt).isNotNull();
            assertThat(s.lastPromoteToken).isEqualTo("go-1");
          });
        },
        List.of("blue", "green")));
  }

  @Test
  void aManualRollbackStoppedAtAnyWriteMovesTrafficBackOnceForItsToken() {
    sweep(new Scenario("rollback",
        prefix -> switchedToGreen(liveOnBlue(Releases.newNamespace(client, prefix), ar -> {})),
        ns -> {
          annotate(ns, Labels.ROLLBACK, "oops-1");
          eventually(() -> {
            AppReleaseStatus s = status(ns);
            assertThat(s.activeColor).isEqualTo("blue");
            assertThat(s.phase).isEqualTo("RolledBack");
            assertThat(s.switchConvergedAt).isNotNull();
          });
        },
        List.of("green", "blue")));
  }

  /**
   * The revert's Service write applied, its status write lost (on the real tier: a 500 answering a write the server
   * had applied, FaultsRealIT): the next reconcile records the revert from the Service's annotations, and says so as
   * the uninterrupted revert does: HealthChecksPassing False/Reverted and a history reason that says "automatic
   * revert" (it said HealthChecksPassed, from before the switch, and "rollback recorded after restart").
   */
  @Test
  void anAutomaticRevertWhoseStatusWriteIsLostSaysRevertedAsAnUninterruptedOne() {
    String ns = Releases.newNamespace(client, "revert-lost");
    FastApiBackend green = new FastApiBackend(ORIGIN);
    EmbeddedClusterResource.simulator().serve(ns, color("backend", "blue"), new FastApiBackend(ORIGIN));
    EmbeddedClusterResource.simulator().serve(ns, color("backend", "green"), green);
    client.resource(HealthPolicies.backendHealth(ns, ORIGIN, spec -> {})).create();
    liveOnBlue(ns, ar -> ar.getSpec().healthPolicyRef = new LocalObjectRef(HealthPolicies.NAME));
    switchedToGreen(ns);
    crashes.crashWhen(writer -> {
      var svc = client.services().inNamespace(ns).withName("backend").get();
      AppReleaseStatus s = status(ns);
      return writer.startsWith("StatusPatcher") && svc != null && "blue".equals(svc.getSpec().getSelector().get(Labels.COLOR))
          && s != null && "green".equals(s.activeColor);
    });
    green.mode(FastApiBackend.Mode.DATABASE_DOWN);
    eventually(() -> {
      AppReleaseStatus s = status(ns);
      assertThat(crashes.crashed()).as("stopped between the revert's Service write and its status write").isTrue();
      assertThat(s.activeColor).isEqualTo("blue");
      assertThat(s.phase).isEqualTo("RolledBack");
      assertThat(s.history.get(0).outcome).isEqualTo("RolledBack");
      assertThat(s.history.get(0).reason).startsWith("automatic revert");
      assertThat(s.conditions).anySatisfy(c -> {
        assertThat(c.getType()).isEqualTo("HealthChecksPassing");
        assertThat(c.getStatus()).isEqualTo("False");
        assertThat(c.getReason()).isEqualTo("Reverted");
      });
    });
  }

  /**
   * An automatic promotion whose Service write was applied and whose status write was lost: the gates passed in the
   * reconcile that switched, and the status written before it still showed them waiting (RolloutComplete
   * False/WaitingForEndpoints, health rounds counting). Recovered from the Service, the release must say what an
   * uninterrupted switch says: every gate of the revision True, Promoted True/AutoPromoted.
   *
   * <p>Then, on the same release (its set-up is the slow part), a third revision whose health gate keeps failing fails
   * at its progress deadline, and the operator stops right before the write that scales its color down: the next
   * reconcile still scales it down (FaultsRealIT once ended with that color left at full size under faults). No whole
   * sweep over every write for this one: after a stop, the gates of a failed revision describe the moment the retry
   * ran (the pods' readiness gate may have turned them unready by then), which differs from run to run.
   */
  @Test
  void anAutomaticPromotionWhoseStatusWriteIsLostShowsItsGatesPassedAndAFailedRevisionStoppedBeforeItsScaleDownEndsScaledDown() {
    String ns = Releases.newNamespace(client, "promote-lost");
    FastApiBackend blue = new FastApiBackend(ORIGIN);
    EmbeddedClusterResource.simulator().serve(ns, color("backend", "blue"), blue);
    EmbeddedClusterResource.simulator().serve(ns, color("backend", "green"), new FastApiBackend(ORIGIN));
    client.resource(HealthPolicies.backendHealth(ns, ORIGIN, spec -> {})).create();
    liveOnBlue(ns, ar -> ar.getSpec().healthPolicyRef = new LocalObjectRef(HealthPolicies.NAME));
    crashes.crashWhen(writer -> {
      var svc = client.services().inNamespace(ns).withName("backend").get();
      AppReleaseStatus s = status(ns);
      return writer.startsWith("StatusPatcher") && svc != null && "green".equals(svc.getSpec().getSelector().get(Labels.COLOR))
          && s != null && "blue".equals(s.activeColor);
    });
    Releases.update(client, ns, "backend", ar -> ar.getSpec().version = "1.1.0");
    eventually(() -> {
      AppReleaseStatus s = status(ns);
      assertThat(crashes.crashed()).as("stopped between the switch's Service write and its status write").isTrue();
      assertThat(s.activeColor).isEqualTo("green");
      assertThat(s.switchConvergedAt).isNotNull();
      assertThat(s.phase).isEqualTo("Healthy");
      for (String gate : List.of("RolloutComplete", "HealthChecksPassing", "Promoted")) {
        assertThat(s.conditions).as(gate).anySatisfy(c -> {
          assertThat(c.getType()).isEqualTo(gate);
          assertThat(c.getStatus()).isEqualTo("True");
        });
      }
    });

    blue.mode(FastApiBackend.Mode.DATABASE_DOWN);
    // stopped at the failed revision's scale-down itself: the write made while RevisionSteps.fail is on the stack
    crashes.crashWhen(writer -> StackWalker.getInstance().walk(frames -> frames.anyMatch(f ->
        f.getClassName().endsWith(".RevisionSteps") && f.getMethodName().equals("fail"))));
    Releases.update(client, ns, "backend", ar -> {
      ar.getSpec().version = "3.0.0";
      // a failing health gate waits; the revision fails when its progress deadline passes
      ar.getSpec().strategy.progressDeadlineSeconds = 12;
    });
    await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).ignoreExceptions().untilAsserted(() -> {
      AppReleaseStatus s = status(ns);
      assertThat(s.phase).isEqualTo("Failed");
      assertThat(s.activeColor).isEqualTo("green");
      assertThat(client.apps().deployments().inNamespace(ns).withName("backend-blue").get().getSpec().getReplicas()).isZero();
    });
    assertThat(crashes.crashed()).as("stopped at the failed revision's scale-down").isTrue();
  }

  @Test
  void anAutomaticRevertStoppedAtAnyWriteMovesTrafficBackOnce() {
    sweep(new Scenario("revert",
        prefix -> {
          String ns = Releases.newNamespace(client, prefix);
          FastApiBackend green = new FastApiBackend(ORIGIN);
          greens.put(ns, green);
          EmbeddedClusterResource.simulator().serve(ns, color("backend", "blue"), new FastApiBackend(ORIGIN));
          EmbeddedClusterResource.simulator().serve(ns, color("backend", "green"), green);
          client.resource(HealthPolicies.backendHealth(ns, ORIGIN, spec -> {})).create();
          liveOnBlue(ns, ar -> ar.getSpec().healthPolicyRef = new LocalObjectRef(HealthPolicies.NAME));
          return switchedToGreen(ns);
        },
        ns -> {
          greens.get(ns).mode(FastApiBackend.Mode.DATABASE_DOWN);
          eventually(() -> {
            AppReleaseStatus s = status(ns);
            assertThat(s.activeColor).isEqualTo("blue");
            assertThat(s.phase).isEqualTo("RolledBack");
            assertThat(s.switchConvergedAt).isNotNull();
          });
        },
        List.of("green", "blue")));
  }
}
