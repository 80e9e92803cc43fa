package dev.turnout.apprelease;

import io.quarkus.arc.DefaultBean;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.time.Instant;

/**
 * Gates used when no capability provides them: a release that names a policy or a backup waits, with a
 * condition saying why; it never promotes without the gate it asked for.
 */
@ApplicationScoped
public class UnavailableGates {
  @Produces
  @DefaultBean
  @ApplicationScoped
  BackupGate backupGate() {
    return (release, status, now) -> GateResult.waiting("BackupGateUnavailable",
        "waiting for a verified backup from DatabaseBackup " + release.getSpec().backupBeforePromotion.name
            + ": backups before promotion are not available in this build");
  }

  @Produces
  @DefaultBean
  @ApplicationScoped
  HealthGate healthGate() {
    return new HealthGate() {
      @Override
      public GateResult prePromotion(AppRelease release, AppReleaseStatus status, Color color, Instant now) {
        return GateResult.waiting("HealthGateUnavailable",
            "waiting for HealthPolicy " + release.getSpec().healthPolicyRef.name + ": health checks are not available in this build");
      }

      @Override
      public PostPromotion postPromotion(AppRelease release, AppReleaseStatus status, Instant now) {
        return PostPromotion.NONE;
      }

      @Override
      public void forget(AppRelease release) {}
    };
  }
}
