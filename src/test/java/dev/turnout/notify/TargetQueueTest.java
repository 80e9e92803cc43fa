package dev.turnout.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Deliveries to a real local HTTP server: signatures, retries, giving up, the bounded queue, a receiver that hangs. */
class TargetQueueTest {
  static final Duration WAIT = Duration.ofSeconds(20);
  static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-02T18:00:00Z"), ZoneOffset.UTC);

  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final List<TargetQueue> queues = new ArrayList<>();
  final List<WebhookServer> servers = new ArrayList<>();

  @AfterEach
  void stop() {
    queues.forEach(TargetQueue::stop);
    servers.forEach(WebhookServer::close);
  }

  WebhookServer server() {
    WebhookServer s = new WebhookServer();
    servers.add(s);
    return s;
  }

  TargetQueue queue(WebhookServer server, NotifyTarget.Type type, String secret, int capacity, Duration timeout, int attempts) {
    NotifyTarget t = new NotifyTarget("t1", type, server.url("/hook"), secret, EnumSet.allOf(Notification.Event.class));
    TargetQueue q = new TargetQueue(t, new TargetQueue.Settings(capacity, timeout, attempts, Duration.ofMillis(10),
        Duration.ofMillis(50)), registry, CLOCK);
    queues.add(q);
    return q;
  }

  static Notification notice(int n) {
    return new Notification("id-" + n, Notification.Event.RELEASE_FAILED, CLOCK.instant(), "AppRelease", "ns", "backend",
        "revision " + n + " failed", Map.of("revision", (long) n));
  }

  double count(String result) {
    var c = registry.find("turnout.notifications").tags("target", "t1", "result", result).counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void genericDeliveryIsSignedAndCarriesTheEventHeaders() {
    WebhookServer server = server();
    queue(server, NotifyTarget.Type.generic, "s3cret", 10, Duration.ofSeconds(5), 3).offer(notice(1));
    await().atMost(WAIT).until(() -> count("sent") == 1);
    WebhookServer.Received r = server.received.get(0);
    assertThat(r.header("Content-Type")).isEqualTo("application/json");
    assertThat(r.header(Payloads.EVENT)).isEqualTo("release.failed");
    assertThat(r.header(Payloads.DELIVERY)).isEqualTo("id-1");
    assertThat(r.header(Payloads.TIMESTAMP)).isEqualTo(Long.toString(CLOCK.instant().getEpochSecond()));
    // what a receiver does: recompute over the timestamp header and the raw body
    assertThat(r.header(Payloads.SIGNATURE)).isEqualTo(Payloads.signature("s3cret", CLOCK.instant().getEpochSecond(), r.body()));
    assertThat(r.body()).contains("\"id\":\"id-1\"");
  }

  @Test
  void slackDeliveryIsTextOnlyAndUnsigned() {
    WebhookServer server = server();
    queue(server, NotifyTarget.Type.slack, null, 10, Duration.ofSeconds(5), 3).offer(notice(1));
    await().atMost(WAIT).until(() -> count("sent") == 1);
    WebhookServer.Received r = server.received.get(0);
    assertThat(r.body()).startsWith("{\"text\":\":warning: *AppRelease ns/backend* release.failed: revision 1 failed");
    assertThat(r.header(Payloads.SIGNATURE)).isNull();
  }

  @Test
  void serverErrorsAndRateLimitsAreRetriedUntilTheyPass() {
    WebhookServer server = server().answering(500, 429, 503);
    queue(server, NotifyTarget.Type.generic, "k", 10, Duration.ofSeconds(5), 6).offer(notice(1));
    await().atMost(WAIT).until(() -> count("sent") == 1);
    assertThat(server.received).hasSize(4).allSatisfy(r -> assertThat(r.header(Payloads.DELIVERY)).isEqualTo("id-1"));
    assertThat(registry.find("turnout.notification.retries").counter().count()).isEqualTo(3);
    assertThat(count("failed")).isZero();
  }

  @Test
  void givesUpAfterMaxAttemptsAndNeverRetriesAClientError() {
    WebhookServer server = server().answering(500, 500, 500, 400);
    TargetQueue q = queue(server, NotifyTarget.Type.generic, null, 10, Duration.ofSeconds(5), 3);
    q.offer(notice(1));
    q.offer(notice(2));
    q.offer(notice(3));
    // 1: three 500s, given up; 2: 400, not retried; 3: sent
    await().atMost(WAIT).until(() -> count("sent") == 1);
    assertThat(count("failed")).isEqualTo(2);
    assertThat(server.received).extracting(r -> r.header(Payloads.DELIVERY)).containsExactly("id-1", "id-1", "id-1", "id-2", "id-3");
  }

  @Test
  void aHangingReceiverTimesOutAndIsRetried() {
    WebhookServer server = server().hanging();
    queue(server, NotifyTarget.Type.generic, null, 10, Duration.ofMillis(300), 2).offer(notice(1));
    await().atMost(WAIT).until(() -> count("failed") == 1);
    assertThat(server.received).hasSize(2);
    assertThat(registry.find("turnout.notification.retries").counter().count()).isEqualTo(1);
  }

  @Test
  void whileTheReceiverHangsOffersReturnAndAFullQueueDropsTheOldest() {
    WebhookServer server = server().hanging();
    TargetQueue q = queue(server, NotifyTarget.Type.generic, null, 2, Duration.ofMinutes(5), 1);
    q.offer(notice(1));
    await().atMost(WAIT).until(() -> server.received.size() == 1); // 1 is in flight, held by the server
    q.offer(notice(2));
    q.offer(notice(3));
    q.offer(notice(4)); // full: 2 is dropped, 3 and 4 wait
    assertThat(count("dropped")).isEqualTo(1);
    assertThat(q.size()).isEqualTo(2);
    server.release();
    await().atMost(WAIT).until(() -> count("sent") == 3);
    assertThat(server.received).extracting(r -> r.header(Payloads.DELIVERY)).containsExactly("id-1", "id-3", "id-4");
  }

  @Test
  void retryAfterInSecondsIsRead() {
    assertThat(TargetQueue.retryAfter("30")).isEqualTo(Duration.ofSeconds(30));
    assertThat(TargetQueue.retryAfter(" 2 ")).isEqualTo(Duration.ofSeconds(2));
    assertThat(TargetQueue.retryAfter("Wed, 21 Oct 2026 07:28:00 GMT")).isNull();
    assertThat(TargetQueue.retryAfter(null)).isNull();
  }

  @Test
  void backoffGrowsExponentiallyWithJitterAndIsCapped() {
    Duration base = Duration.ofSeconds(2);
    Duration max = Duration.ofMinutes(5);
    for (int i = 0; i < 200; i++) {
      assertThat(TargetQueue.backoff(1, base, max)).isBetween(Duration.ofSeconds(1), Duration.ofSeconds(2));
      assertThat(TargetQueue.backoff(3, base, max)).isBetween(Duration.ofSeconds(4), Duration.ofSeconds(8));
      assertThat(TargetQueue.backoff(40, base, max)).isBetween(Duration.ofMillis(150_000), max);
    }
  }
}
