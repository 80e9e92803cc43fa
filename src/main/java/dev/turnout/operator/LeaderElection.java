package dev.turnout.operator;

import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import jakarta.inject.Singleton;
import java.util.Optional;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Leader election through a coordination.k8s.io Lease, so several replicas of the operator can run and only
 * one acts. Active in the prod profile (quarkus.operator-sdk.activate-leader-election-for-profiles).
 */
@Singleton
public class LeaderElection extends LeaderElectionConfiguration {
  public LeaderElection() {
    super(
        ConfigProvider.getConfig().getOptionalValue("turnout.leader-election.lease-name", String.class).orElse("turnout-operator-lock"),
        ConfigProvider.getConfig()
            .getOptionalValue("turnout.leader-election.lease-namespace", String.class)
            .filter(s -> !s.isBlank())
            .or(() -> Optional.ofNullable(System.getenv("POD_NAMESPACE")))
            .orElse(null));
  }
}
