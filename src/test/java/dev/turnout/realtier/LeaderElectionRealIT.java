package dev.turnout.realtier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.time.Duration;
import java.time.ZonedDateTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The packaged operator, with exactly the RBAC the chart renders, takes the leader-election Lease and keeps renewing
 * it. (Before the chart granted `patch` on leases, the first renewal got 403, leadership was lost after the 10 s
 * renew deadline and the process exited.)
 */
// not @Isolated: the classes that stop or kill the operator are, so none runs beside this one; other classes' load is
// what a leader lives with
class LeaderElectionRealIT {
  @RegisterExtension static final RealNamespace NS = new RealNamespace();

  @Test
  void operatorKeepsRenewingItsLeaseUnderTheChartsRbac() {
    RealTier tier = NS.tier();
    await().atMost(Duration.ofSeconds(30)).until(() -> tier.lease() != null
        && tier.lease().getSpec().getHolderIdentity() != null);
    Lease first = tier.lease();
    ZonedDateTime from = ZonedDateTime.now();
    // JOSDK's defaults: lease 15 s, renew deadline 10 s, retry 2 s: renewals 25 s after this test started outlast the
    // renew deadline twice, whatever ran before on the shared tier
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
        .failFast("the operator exited; its log:\n" + "see target/real-tier/operator-*.log", () -> !tier.operator().isAlive())
        .untilAsserted(() -> {
          Lease now = tier.lease();
          assertThat(now.getSpec().getHolderIdentity()).isEqualTo(first.getSpec().getHolderIdentity());
          assertThat(Duration.between(from, now.getSpec().getRenewTime())).isGreaterThan(Duration.ofSeconds(25));
        });
    assertThat(tier.operator().isAlive()).isTrue();
    assertThat(tier.forbidden()).as("requests the chart's RBAC refused").isEmpty();
  }
}
