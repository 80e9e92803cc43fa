package dev.turnout.backup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.turnout.backup.DatabaseBackupStatus.BackupRecord;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The PointInTime condition over what the newest backup's manifest recorded (issue 11, point-in-time consistency). */
class PointInTimeTest {
  static Stream<Arguments> rows() {
    return Stream.of(
        Arguments.of(null, null, List.of(), "Unknown", "NoBackupYet"),
        Arguments.of(true, "replicaSet", List.of(), "True", "Oplog"),
        Arguments.of(false, "standalone", List.of(), "False", "Standalone"),
        Arguments.of(false, "replicaSet", List.of("auto_author"), "False", "PartialDump"),
        Arguments.of(false, "sharded", List.of(), "False", "Sharded"),
        Arguments.of(false, "unknown", List.of(), "False", "TopologyUnknown"),
        Arguments.of(null, null, List.of(), "Unknown", "NotRecorded"));
  }

  @ParameterizedTest(name = "{3} {4}")
  @MethodSource("rows")
  void conditionFromTheNewestBackup(Boolean pit, String topology, List<String> dbs, String status, String reason) {
    BackupRecord last = null;
    if (!"NoBackupYet".equals(reason)) {
      last = new BackupRecord();
      last.object = "prod/2026-11-20T03-00-00Z.archive.gz";
      last.pointInTime = pit;
      last.topology = topology;
    }
    PointInTime.Verdict v = PointInTime.of(last, dbs);
    assertThat(v.status()).isEqualTo(status);
    assertThat(v.reason()).isEqualTo(reason);
    if ("PartialDump".equals(reason)) {
      assertThat(v.message()).contains("auto_author");
    }
  }
}
