package dev.turnout.notify;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jboss.logging.Logger;

/**
 * One target's deliveries: a bounded queue (full: the oldest notification is dropped and counted, the newest news wins)
 * and one thread of its own that sends them in order, retrying with exponential backoff and jitter. Nothing here runs
 * on a reconcile thread: {@link #offer} only takes a lock held for queue operations, so a webhook that hangs or fails
 * holds up its own queue and nothing else (not a switch, not a revert, not another target).
 */
final class TargetQueue {
  private static final Logger LOG = Logger.getLogger(TargetQueue.class);

  /** How deliveries are tried; see docs/notifications.md. */
  record Settings(int capacity, Duration timeout, int maxAttempts, Duration backoff, Duration maxBackoff) {}

  private final NotifyTarget target;
  private final Settings settings;
  private final HttpClient http;
  private final Clock clock;
  private final Deque<Notification> queue = new ArrayDeque<>();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final Counter sent;
  private final Counter failed;
  private final Counter dropped;
  private final Counter retries;
  private final Thread worker;
  private volatile boolean stopped;

  TargetQueue(NotifyTarget target, Settings settings, MeterRegistry registry, Clock clock) {
    this.target = target;
    this.settings = settings;
    this.clock = clock;
    this.http = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(settings.timeout())
        .followRedirects(HttpClient.Redirect.NEVER)
        .build();
    this.sent = result(registry, "sent");
    this.failed = result(registry, "failed");
    this.dropped = result(registry, "dropped");
    this.retries = Counter.builder("turnout.notification.retries").description("Deliveries tried again after a failure")
        .tag("target", target.name()).register(registry);
    this.worker = new Thread(this::run, "turnout-notify-" + target.name());
    this.worker.setDaemon(true);
    this.worker.start();
  }

  private Counter result(MeterRegistry registry, String result) {
    return Counter.builder("turnout.notifications").description("Notifications by target and result")
        .tag("target", target.name()).tag("result", result).register(registry);
  }

  NotifyTarget target() {
    return target;
  }

  /** Queues a notification without waiting; when full, the oldest one waiting is dropped (counted). */
  void offer(Notification n) {
    lock.lock();
    try {
      if (queue.size() >= settings.capacity()) {
        Notification oldest = queue.pollFirst();
        dropped.increment();
        LOG.warnf("notification target %s: queue full (%d), dropped %s %s", target, settings.capacity(), oldest.event().wire, oldest.id());
      }
      queue.addLast(n);
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  int size() {
    lock.lock();
    try {
      return queue.size();
    } finally {
      lock.unlock();
    }
  }

  void stop() {
    stopped = true;
    worker.interrupt();
  }

  private void run() {
    while (!stopped) {
      Notification n;
      lock.lock();
      try {
        while (queue.isEmpty() && !stopped) {
          changed.await();
        }
        if (stopped) {
          return;
        }
        n = queue.pollFirst();
      } catch (InterruptedException e) {
        return;
      } finally {
        lock.unlock();
      }
      try {
        deliver(n);
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        failed.increment();
        LOG.warnf(e, "notification target %s: %s %s not sent", target, n.event().wire, n.id());
      }
    }
  }

  private void deliver(Notification n) throws InterruptedException {
    String body = target.type() == NotifyTarget.Type.slack ? Payloads.slack(n) : Payloads.generic(n);
    for (int attempt = 1; ; attempt++) {
      String problem;
      boolean retryable;
      Duration retryAfter = null;
      try {
        HttpResponse<Void> response = http.send(request(n, body), HttpResponse.BodyHandlers.discarding());
        int code = response.statusCode();
        if (code >= 200 && code < 300) {
          sent.increment();
          LOG.debugf("notification target %s: %s %s sent (attempt %d)", target, n.event().wire, n.id(), attempt);
          return;
        }
        problem = "HTTP " + code;
        retryable = code == 408 || code == 425 || code == 429 || code >= 500;
        retryAfter = retryAfter(response.headers().firstValue("Retry-After").orElse(null));
      } catch (IOException e) {
        // connection refused or reset, and the request timeout (HttpTimeoutException): the target may be back soon
        problem = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        retryable = true;
      }
      if (!retryable || attempt >= settings.maxAttempts()) {
        failed.increment();
        LOG.warnf("notification target %s: %s %s not sent after %d attempt(s): %s", target, n.event().wire, n.id(), attempt, problem);
        return;
      }
      retries.increment();
      Duration wait = backoff(attempt, settings.backoff(), settings.maxBackoff());
      if (retryAfter != null && retryAfter.compareTo(wait) > 0) {
        // Slack answers 429 with Retry-After: sooner is refused again; later than maxBackoff is not waited for
        wait = retryAfter.compareTo(settings.maxBackoff()) > 0 ? settings.maxBackoff() : retryAfter;
      }
      LOG.debugf("notification target %s: %s (attempt %d), again in %d ms", target, problem, attempt, wait.toMillis());
      Thread.sleep(wait.toMillis());
    }
  }

  private HttpRequest request(Notification n, String body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(target.url())
        .timeout(settings.timeout())
        .header("Content-Type", "application/json")
        .header("User-Agent", "turnout-operator")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (target.type() == NotifyTarget.Type.generic) {
      long timestamp = clock.instant().getEpochSecond();
      b.header(Payloads.EVENT, n.event().wire).header(Payloads.DELIVERY, n.id()).header(Payloads.TIMESTAMP, Long.toString(timestamp));
      if (target.secret() != null) {
        // signed per attempt: a retry carries its own timestamp, so a receiver's freshness window holds for retries too
        b.header(Payloads.SIGNATURE, Payloads.signature(target.secret(), timestamp, body));
      }
    }
    return b.build();
  }

  /** Retry-After in seconds (the form Slack and most APIs use); an HTTP date or garbage is ignored. */
  static Duration retryAfter(String header) {
    if (header == null || !header.trim().matches("[0-9]{1,6}")) {
      return null;
    }
    return Duration.ofSeconds(Long.parseLong(header.trim()));
  }

  /**
   * Exponential backoff with "equal jitter": half of {@code base * 2^(attempt-1)} (capped) plus a random part of the
   * other half, so retries of many operators after one outage spread out, yet each wait still grows.
   */
  static Duration backoff(int attempt, Duration base, Duration max) {
    long cap = max.toMillis();
    long exp = base.toMillis() << Math.min(attempt - 1, 30);
    long ceiling = exp <= 0 || exp > cap ? cap : exp;
    long half = ceiling / 2;
    return Duration.ofMillis(half + ThreadLocalRandom.current().nextLong(ceiling - half + 1));
  }
}
