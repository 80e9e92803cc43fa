package dev.turnout.backup;

import dev.turnout.backup.DatabaseBackupStatus.BackupRecord;
import dev.turnout.common.Conditions;
import java.util.List;

/**
 * The PointInTime condition: whether the newest backup is consistent at one instant. mongodump takes such a dump only
 * with --oplog, which works only on full dumps and only against a replica set (mongo-tools: on a standalone it exits 1,
 * "error getting oplog start"); the agent asks the server (hello) and records the answer in the manifest. Without it, a
 * dump taken while the application writes may hold collections from different moments. Pure: tested over a table.
 */
public final class PointInTime {
  public static final String CONDITION = "PointInTime";

  /** The condition's status (True, False, Unknown), reason and message. */
  public record Verdict(String status, String reason, String message) {}

  private PointInTime() {}

  public static Verdict of(BackupRecord last, List<String> databases) {
    if (last == null) {
      return new Verdict(Conditions.UNKNOWN, "NoBackupYet", "no complete backup yet");
    }
    if (Boolean.TRUE.equals(last.pointInTime)) {
      return new Verdict(Conditions.TRUE, "Oplog", last.object + " was taken with --oplog: consistent at one instant");
    }
    if (last.topology == null || last.pointInTime == null) {
      return new Verdict(Conditions.UNKNOWN, "NotRecorded", last.object + " was written by an agent that did not record it");
    }
    return switch (last.topology) {
      case "standalone" -> new Verdict(Conditions.FALSE, "Standalone",
          "the server is standalone: mongodump --oplog needs a replica set, so " + last.object + " is not point-in-time"
              + " (a single-member replica set is enough)");
      case "sharded" -> new Verdict(Conditions.FALSE, "Sharded",
          "the server is a sharded cluster (mongos): mongodump takes no point-in-time dump there");
      case "replicaSet" -> new Verdict(Conditions.FALSE, "PartialDump",
          "spec.mongodb.databases lists " + (databases == null ? List.of() : databases)
              + ": mongodump --oplog works only on a dump of all databases");
      default -> new Verdict(Conditions.FALSE, "TopologyUnknown",
          "the agent could not ask the server for its topology when " + last.object + " was taken; no --oplog");
    };
  }
}
