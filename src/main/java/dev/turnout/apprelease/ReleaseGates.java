package dev.turnout.apprelease;

import java.time.Instant;

/**
 * The gates that other capabilities provide to a release: a fresh verified backup (DatabaseBackup) and the
 * deep health checks of a HealthPolicy. Implementations never block: they report the state they know now.
 */
public interface ReleaseGates {
  record Result(boolean passed, String reason, String message) {}

  Result backupBeforePromotion(AppRelease release, AppReleaseStatus status, Instant now);

  Result prePromotionHealth(AppRelease release, AppReleaseStatus status, Color color, Instant now);

  /** End of the post-promotion watch window of the last switch, or null when there is none. */
  Instant postPromotionWindowEnd(AppRelease release, AppReleaseStatus status);
}
