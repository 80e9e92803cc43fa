package dev.turnout.realtier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * "Idle means zero writes", measured where it counts: the API server's audit log. Once a scenario has settled (the
 * operator made no write for {@link #SETTLED}, an audit marker rather than a guess), a window of {@link #WINDOW} (longer than the 30 s recheck) must
 * show no write by the operator's identity (Leases and Events aside) in the scenario's namespace, the operator's own
 * namespace or cluster-wide. A writer on a period shorter than the window (the HealthPolicy status patched every 10 s, an AppRelease recheck every 30 s)
 * cannot hide: it lets a short quiet period pass, then shows up in the window. Other test classes' namespaces, torn
 * down in the background by the real namespace controller, are not this scenario's business.
 */
public final class IdleWrites {
  /** Longer than the AppRelease's 30 s recheck, the shortest periodic reconcile, so a write on each recheck shows. */
  public static final Duration WINDOW = Duration.ofSeconds(35);
  static final Duration SETTLED = Duration.ofSeconds(3);

  private IdleWrites() {}

  /** For a scenario in these namespaces (a restore into staging spans two). */
  public static void assertNone(RealTier tier, String... namespaces) throws InterruptedException {
    assertNone(tier, e -> false, namespaces);
  }

  /**
   * As {@link #assertNone(RealTier, String...)}, with writes the caller knows are due (and documented) left out, e.g. a
   * HealthPolicy's one status write 90 s after the last reconcile of a finished release asked for its probes.
   */
  public static void assertNone(RealTier tier, java.util.function.Predicate<AuditLog.Entry> due, String... namespaces)
      throws InterruptedException {
    Set<String> scope = new HashSet<>(List.of(namespaces));
    scope.add(ChartIdentity.NAMESPACE);
    await("no operator write in " + scope + " for " + SETTLED).atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> writes(tier, scope, Instant.now().minus(SETTLED)).stream().allMatch(due));
    Instant from = Instant.now();
    Thread.sleep(WINDOW.toMillis());
    // the audit backend is blocking: a request's entry is on disk before its response is sent
    assertThat(writes(tier, scope, from).stream().filter(due.negate()).toList()).as("operator writes while nothing changed, %s from %s", WINDOW, from)
        .isEmpty();
  }

  static List<AuditLog.Entry> writes(RealTier tier, Set<String> namespaces, Instant since) {
    return tier.audit().operatorWritesSince(since).stream()
        .filter(e -> e.namespace() == null || namespaces.contains(e.namespace()))
        .toList();
  }
}
