package dev.turnout.realtier;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * "Idle means zero writes", measured where it counts: after a scenario has settled, the API server's audit log shows
 * no write by the operator's identity for the whole window (Leases and Events aside).
 */
public final class IdleWrites {
  public static final Duration WINDOW = Duration.ofSeconds(20);

  private IdleWrites() {}

  /** Waits the window and fails listing every write the operator made in it. */
  public static void assertNoneFor(RealTier tier, Duration window) throws InterruptedException {
    Instant from = Instant.now();
    Thread.sleep(window.toMillis());
    // the audit backend is blocking: a request's entry is on disk before its response is sent
    List<AuditLog.Entry> writes = tier.audit().operatorWritesSince(from);
    assertThat(writes).as("operator writes while nothing changed, %s from %s", window, from).isEmpty();
  }

  public static void assertNone(RealTier tier) throws InterruptedException {
    assertNoneFor(tier, WINDOW);
  }
}
