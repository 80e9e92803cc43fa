package dev.turnout.apprelease;

import io.quarkus.arc.DefaultBean;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;

/**
 * Gates before HealthPolicy and DatabaseBackup are wired in: a release that names a policy or a backup waits,
 * with a condition saying why; it never promotes without the gate it asked for.
 */
@ApplicationScoped
@DefaultBean
public class DefaultReleaseGates implements ReleaseGates {
  @Override
  public Result backupBeforePromotion(AppRelease release, AppReleaseStatus status, Instant now) {
    return new Result(false, "BackupGateUnavailable",
        "waiting for a verified backup from DatabaseBackup " + release.getSpec().backupBeforePromotion.name
            + ": backups before promotion are not available in this build");
  }

  @Override
  public Result prePromotionHealth(AppRelease release, AppReleaseStatus status, Color color, Instant now) {
    return new Result(false, "HealthGateUnavailable",
        "waiting for HealthPolicy " + release.getSpec().healthPolicyRef.name + ": health checks are not available in this build");
  }

  @Override
  public Instant postPromotionWindowEnd(AppRelease release, AppReleaseStatus status) {
    return null;
  }
}
