package dev.turnout.operator;

import dev.turnout.metrics.LeaderStatus;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.Optional;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Leader election through a coordination.k8s.io Lease, so several replicas of the operator can run and only
 * one acts. Active in the prod profile (quarkus.operator-sdk.activate-leader-election-for-profiles). A replica
 * that loses the Lease exits, so Kubernetes restarts it as a stand-by (turnout.leader-election.exit-on-loss). Each
 * shard (see {@link Shard}) has a Lease of its own.
 */
@Singleton
public class LeaderElection extends LeaderElectionConfiguration {
  public LeaderElection() {
    this(ConfigProvider.getConfig());
  }

  /**
   * The Lease's name: turnout.leader-election.lease-name, with "-&lt;shard&gt;" appended when the instance is a shard,
   * so each shard elects its own leader (and the shard registry can tell shards apart by their Leases).
   */
  static String leaseName(Config config) {
    String base = config.getOptionalValue("turnout.leader-election.lease-name", String.class).orElse("turnout-operator-lock");
    return Shard.name(config).map(shard -> base + "-" + shard).orElse(base);
  }

  LeaderElection(Config config) {
    super(
        leaseName(config),
        config.getOptionalValue("turnout.leader-election.lease-namespace", String.class)
            .filter(s -> !s.isBlank())
            .or(() -> Optional.ofNullable(System.getenv("POD_NAMESPACE")))
            .orElse(null),
        Duration.ofSeconds(15),
        Duration.ofSeconds(10),
        Duration.ofSeconds(2),
        null,
        LeaderStatus.callbacks(config.getOptionalValue("turnout.leader-election.exit-on-loss", Boolean.class).orElse(true)
            ? LeaderElection::exitAfterLoss : () -> { }),
        false);
  }

  /**
   * Exits after the Lease was lost, from a thread of its own. JOSDK's own exit (exitOnStopLeading) calls System.exit on
   * the thread that stops leading, and on SIGTERM that is the shutdown hook's Operator.stop(): System.exit inside a
   * running shutdown blocks for ever, so the process never exited (seen on the real tier:
   * every SIGTERM ended in the test's kill -9 after 10 s; by hand, a process still running two hours later). From a
   * daemon thread, a loss while running exits as before, and during a shutdown the call just waits, harmlessly. (JOSDK
   * 5.2.1 does not release the Lease on a clean stop either way: the next leader waits for it to expire.)
   */
  static void exitAfterLoss() {
    Thread exit = new Thread(() -> System.exit(1), "turnout-exit-after-lease-loss");
    exit.setDaemon(true);
    exit.start();
  }
}
