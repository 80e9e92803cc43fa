package dev.turnout.apprelease;

import java.time.Instant;

/** spec.backupBeforePromotion: a fresh verified backup from a DatabaseBackup before the switch. */
public interface BackupGate {
  /** The gate's reason when it passes. */
  String PASSED = "BackupVerified";

  /**
   * Whether a verified backup newer than the revision's start exists; may ask the DatabaseBackup for one
   * (once per revision). Called only when spec.backupBeforePromotion is set.
   */
  GateResult beforePromotion(AppRelease release, AppReleaseStatus status, Instant now);
}
