package dev.turnout.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Fan-out to targets by their event filters, at most once per id, and never an exception into the caller. */
class NotifierTest {
  final WebhookServer failures = new WebhookServer();
  final WebhookServer everything = new WebhookServer();
  final Notifier notifier = new Notifier();

  NotifierTest() {
    notifier.registry = new SimpleMeterRegistry();
    notifier.clock = Clock.systemUTC();
    notifier.configure(List.of(
            new NotifyTarget("failures", NotifyTarget.Type.generic, failures.url("/"), null,
                EnumSet.of(Notification.Event.RELEASE_FAILED, Notification.Event.BACKUP_FAILED)),
            new NotifyTarget("everything", NotifyTarget.Type.generic, everything.url("/"), null, EnumSet.allOf(Notification.Event.class))),
        new TargetQueue.Settings(10, Duration.ofSeconds(5), 2, Duration.ofMillis(10), Duration.ofMillis(20)));
  }

  @AfterEach
  void stop() {
    notifier.configure(List.of(), null);
    failures.close();
    everything.close();
  }

  static Notification notice(String id, Notification.Event event) {
    return new Notification(id, event, Clock.systemUTC().instant(), "AppRelease", "ns", "backend", "m", Map.of());
  }

  @Test
  void eachIdIsQueuedOnceToTheTargetsThatWantItsEvent() {
    assertThat(notifier.enabled()).isTrue();
    notifier.submit(() -> List.of(notice("a", Notification.Event.RELEASE_PROMOTED), notice("b", Notification.Event.RELEASE_FAILED)));
    // the same happening recorded again (a status write repeated after a conflict): same ids, nothing new
    notifier.submit(() -> List.of(notice("a", Notification.Event.RELEASE_PROMOTED), notice("b", Notification.Event.RELEASE_FAILED)));
    notifier.submit(() -> List.of(notice("c", Notification.Event.BACKUP_STALE)));
    await().atMost(Duration.ofSeconds(20)).until(() -> everything.received.size() == 3 && failures.received.size() == 1);
    assertThat(everything.received).extracting(r -> r.header(Payloads.DELIVERY)).containsExactly("a", "b", "c");
    assertThat(failures.received).extracting(r -> r.header(Payloads.DELIVERY)).containsExactly("b");
  }

  @Test
  void aFailingComputationNeverReachesTheCaller() {
    notifier.submit(() -> {
      throw new IllegalStateException("boom");
    });
    notifier.submit(() -> List.of(notice("d", Notification.Event.RELEASE_FAILED)));
    await().atMost(Duration.ofSeconds(20)).until(() -> failures.received.size() == 1);
  }

  @Test
  void withoutTargetsNothingIsComputed() {
    notifier.configure(List.of(), null);
    assertThat(notifier.enabled()).isFalse();
    notifier.submit(() -> {
      throw new AssertionError("computed while off");
    });
  }
}
