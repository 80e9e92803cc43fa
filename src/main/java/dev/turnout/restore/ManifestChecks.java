package dev.turnout.restore;

import dev.turnout.backup.catalog.BackupManifest;
import java.util.Optional;

/**
 * Whether a backup may be restored, from its manifest and its archive's size as storage reports them: a pure function,
 * applied before the restore Job is created (the agent checks the sha256 again before mongorestore runs).
 */
final class ManifestChecks {
  /** Why a backup is refused: the Complete condition's reason and message. */
  record Refusal(String reason, String message) {}

  private ManifestChecks() {}

  /**
   * @param object the resolved archive key
   * @param m its manifest, null when there is none
   * @param size the archive's size, empty when it does not exist
   */
  static Optional<Refusal> refusal(DatabaseRestoreSpec spec, String object, BackupManifest m, Optional<Long> size) {
    if (m == null) {
      return refuse("NoManifest", "no manifest for " + object + ": the backup is incomplete; refusing to restore it");
    }
    if (m.sha256 == null || !m.sha256.matches("[0-9a-f]{64}")) {
      return refuse("NoChecksum", "the manifest of " + object + " has no sha256; refusing to restore it");
    }
    if (Boolean.FALSE.equals(m.verified)) {
      return refuse("NotVerified", object + " failed verification (" + m.verifyError + "); refusing to restore it");
    }
    if (size.isEmpty()) {
      return refuse("ArchiveMissing", "the archive " + object + " does not exist although its manifest does");
    }
    if (size.get() != m.sizeBytes) {
      return refuse("SizeMismatch", "the archive " + object + " has " + size.get()
          + " bytes but its manifest says " + m.sizeBytes + ": altered or truncated; refusing to restore it");
    }
    return PointInTimeRestores.refusal(spec, m, object).map(message -> new Refusal("NotPointInTime", message));
  }

  private static Optional<Refusal> refuse(String reason, String message) {
    return Optional.of(new Refusal(reason, message));
  }
}
