package dev.turnout.metrics;

import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.api.config.ConfigurationService;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.quarkus.arc.Unremovable;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code turnout_leader}: 1 when this replica acts (it holds the Lease, or leader election is off in this profile), 0 on
 * a stand-by. The flag is static because the callbacks are handed over in the constructor of the
 * LeaderElectionConfiguration ({@link dev.turnout.operator.LeaderElection}), which JOSDK calls on its own threads.
 */
@Singleton
@Unremovable
public class LeaderStatus implements MeterBinder {
  private static final AtomicBoolean LEADING = new AtomicBoolean();

  /** The callbacks for {@link dev.turnout.operator.LeaderElection}: they flip the flag; {@code onLoss} runs after a loss. */
  public static LeaderCallbacks callbacks(Runnable onLoss) {
    return new LeaderCallbacks(() -> LEADING.set(true), () -> {
      LEADING.set(false);
      onLoss.run();
    }, identity -> {});
  }

  // looked up at scrape time, not at binding: the ConfigurationService needs the Metrics bean, built with the registry
  @Inject Instance<ConfigurationService> configuration;
  private volatile Boolean electing;

  @Override
  public void bindTo(MeterRegistry registry) {
    Gauge.builder("turnout.leader", () -> !electing() || LEADING.get() ? 1 : 0)
        .description("1 when this replica is the leader (or leader election is off), 0 on a stand-by")
        .register(registry);
  }

  /** Whether leader election runs: quarkus-operator-sdk passes a LeaderElectionConfiguration only in the profiles listed. */
  private boolean electing() {
    Boolean e = electing;
    if (e == null) {
      e = configuration.get().getLeaderElectionConfiguration().isPresent();
      electing = e;
    }
    return e;
  }
}
