package dev.turnout.restore;

import dev.turnout.backup.catalog.BackupManifest;
import java.util.Optional;

/**
 * The operator's side of point-in-time restores (DatabaseRestore spec.pointInTime; the agent's PointInTimeRestore
 * does the replay): whether the restore Job replays an oplog (it then needs scratch space), whether a backup is
 * refused before any Job runs, and what status says about it afterwards.
 */
final class PointInTimeRestores {
  static final String DEFAULT_SCRATCH = "10Gi";

  private PointInTimeRestores() {}

  static DatabaseRestoreSpec.PointInTime mode(DatabaseRestoreSpec spec) {
    return spec.pointInTime == null ? DatabaseRestoreSpec.PointInTime.IfAvailable : spec.pointInTime;
  }

  /** True when the Job will replay this manifest's oplog: the manifest says pointInTime and the spec does not say Off. */
  static boolean replays(DatabaseRestoreSpec spec, BackupManifest m) {
    return m != null && Boolean.TRUE.equals(m.pointInTime) && mode(spec) != DatabaseRestoreSpec.PointInTime.Off;
  }

  /** The restore Job's /tmp sizeLimit: room for the scratch mongod only when it replays. */
  static String tmpSize(DatabaseRestoreSpec spec, boolean replays) {
    if (!replays) {
      return dev.turnout.backup.BackupJobFactory.SMALL_TMP; // only the tools' small --config files
    }
    return spec.scratchSizeLimit == null || spec.scratchSizeLimit.isBlank() ? DEFAULT_SCRATCH : spec.scratchSizeLimit;
  }

  /** With Required, a backup without an oplog is refused before a Job exists: the reason for status and the Event. */
  static Optional<String> refusal(DatabaseRestoreSpec spec, BackupManifest m, String object) {
    if (mode(spec) != DatabaseRestoreSpec.PointInTime.Required || Boolean.TRUE.equals(m.pointInTime)) {
      return Optional.empty();
    }
    return Optional.of("spec.pointInTime is Required, but " + object + " is not a point-in-time backup (its manifest"
        + " records no oplog: mongodump --oplog needs a replica set and a dump of all databases; topology "
        + (m.topology == null ? "not recorded" : m.topology) + "); the target was not touched");
  }

  /** Copies the agent's answer into status; returns the words the success message gets ("" when not said). */
  static String record(AgentReport r, DatabaseRestoreStatus status) {
    if (r.pointInTime == null) {
      return "";
    }
    status.pointInTime = r.pointInTime;
    status.oplogEntries = Boolean.TRUE.equals(r.pointInTime) ? r.oplogEntries : null;
    return Boolean.TRUE.equals(r.pointInTime)
        ? " as of the end of its dump (" + (r.oplogEntries == null ? "its" : r.oplogEntries) + " oplog entries replayed)"
        : " as dumped (no oplog replayed)";
  }
}
