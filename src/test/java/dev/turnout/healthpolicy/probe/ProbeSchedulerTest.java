package dev.turnout.healthpolicy.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.turnout.healthpolicy.GateState;
import dev.turnout.healthpolicy.HealthPolicySpec;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The scheduler against real local servers; no timing assertions, only eventual gate states. */
class ProbeSchedulerTest {
  Vertx vertx;
  CheckRunner runner;
  ProbeScheduler scheduler;
  FakeBackend healthy;
  FakeBackend dbDown;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    runner = new CheckRunner(vertx);
    scheduler = new ProbeScheduler(runner, Clock.systemUTC());
    healthy = FakeBackend.start(vertx, FakeBackend.Mode.HEALTHY);
    dbDown = FakeBackend.start(vertx, FakeBackend.Mode.DB_DOWN);
  }

  @AfterEach
  void stop() throws Exception {
    scheduler.close();
    runner.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void twoHundredTargetsOpenAndClose() {
    HealthPolicySpec policy = Checks.policy(1, 2, 2, Checks.api());
    Map<String, GateState.Gate> notified = new ConcurrentHashMap<>();
    AtomicInteger notifications = new AtomicInteger();
    GateListener listener = (key, before, after) -> {
      notifications.incrementAndGet();
      notified.put(key, after.gate());
    };
    for (int i = 0; i < 200; i++) {
      FakeBackend backend = i % 2 == 0 ? healthy : dbDown;
      Target target = backend.target("backend-" + i);
      scheduler.register("release-" + i, policy, () -> target, listener);
    }
    assertThat(scheduler.keys()).hasSize(200);
    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
      for (int i = 0; i < 200; i++) {
        GateState gate = scheduler.snapshot("release-" + i).orElseThrow().gate();
        assertThat(gate.gate()).as("release-" + i).isEqualTo(i % 2 == 0 ? GateState.Gate.OPEN : GateState.Gate.CLOSED);
      }
    });
    for (int i = 0; i < 200; i++) {
      assertThat(notified.get("release-" + i)).isEqualTo(i % 2 == 0 ? GateState.Gate.OPEN : GateState.Gate.CLOSED);
    }
    ProbeSnapshot down = scheduler.snapshot("release-1").orElseThrow();
    assertThat(down.result("api").orElseThrow().message()).contains("503", "$.database = \"unreachable\"");
    assertThat(down.gate().failureThresholdReachedAt()).isPresent();
    assertThat(down.lastRoundTime()).isNotNull();
  }

  @Test
  void gateFollowsTheBackendAndReRegisteringKeepsState() {
    HealthPolicySpec policy = Checks.policy(1, 2, 2, Checks.api());
    AtomicInteger notifications = new AtomicInteger();
    Target target = healthy.target("backend-preview");
    scheduler.register("r", policy, () -> target, (k, b, a) -> notifications.incrementAndGet());
    await().atMost(Duration.ofSeconds(30)).until(() -> scheduler.snapshot("r").orElseThrow().gate().isOpen());
    long rounds = scheduler.snapshot("r").orElseThrow().gate().rounds();
    // a reconciler registers again with an equal policy: state is kept
    scheduler.register("r", Checks.policy(1, 2, 2, Checks.api()), () -> target, (k, b, a) -> notifications.incrementAndGet());
    assertThat(scheduler.snapshot("r").orElseThrow().gate().rounds()).isGreaterThanOrEqualTo(rounds);
    assertThat(scheduler.snapshot("r").orElseThrow().gate().isOpen()).isTrue();
    healthy.mode = FakeBackend.Mode.DB_DOWN;
    await().atMost(Duration.ofSeconds(30)).until(() -> scheduler.snapshot("r").orElseThrow().gate().isClosed());
    assertThat(notifications.get()).isEqualTo(2);
    // a changed policy starts over
    scheduler.register("r", Checks.policy(1, 3, 2, Checks.api()), () -> target, (k, b, a) -> { });
    assertThat(scheduler.snapshot("r").orElseThrow().gate().isUnknown()).isTrue();
    scheduler.unregister("r");
    assertThat(scheduler.snapshot("r")).isEmpty();
  }

  @Test
  void missingTargetFailsTheRound() {
    scheduler.register("r", Checks.policy(1, 1, 1, Checks.api()), () -> null, (k, b, a) -> { });
    await().atMost(Duration.ofSeconds(30)).until(() -> scheduler.snapshot("r").orElseThrow().gate().isClosed());
    assertThat(scheduler.snapshot("r").orElseThrow().lastResults().get(0).message()).startsWith("no target:");
  }
}
