package dev.turnout.mongo;

import static dev.turnout.mongo.MongoToolsSimFactsTest.assertSummary;
import static dev.turnout.mongo.MongoToolsSimFactsTest.dump;
import static dev.turnout.mongo.MongoToolsSimFactsTest.mongo;
import static dev.turnout.mongo.MongoToolsSimFactsTest.restore;
import static dev.turnout.mongo.MongoToolsSimFactsTest.seedAndDump;
import static dev.turnout.mongo.MongoToolsSimFactsTest.tools;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Rows of {@link MongoToolsSimFactsTest} about failures: truncated and corrupt archives, --dryRun, --oplog and
 * --oplogReplay, missing databases, authentication and unreachable servers (issue 11's facts, quoted in the table).
 */
final class FailureFacts {
  private FailureFacts() {}

  /** Two collections of 1500 and 3000 documents; the gzip'ed archive cut at 85 %: inside the second. */
  static byte[] cutArchive() throws Exception {
    mongo.seed("app", "a", 1500);
    mongo.seed("app", "b", 3000);
    byte[] archive = dump(mongo.uri("app")).stdout();
    return Arrays.copyOf(archive, archive.length * 85 / 100);
  }

  static void truncatedKeepsEarlierCollections() throws Exception {
    byte[] cut = cutArchive();
    mongo.reset();
    ToolRun r = restore(mongo.uri(), cut);
    assertThat(r.exit()).as(r.describe()).isEqualTo(1);
    assertThat(r.logged("error demultiplexing archive; archive io error")).as(r.describe()).isTrue();
    assertThat(r.messages()).contains("finished restoring app.a (1500 documents, 0 failures)");
    assertThat(mongo.counts().get("app.a")).isEqualTo(1500L);
    assertThat(mongo.counts().getOrDefault("app.b", 0L)).isLessThan(3000L);
  }

  static void truncatedWithDrop() throws Exception {
    byte[] cut = cutArchive(); // the server still holds app.a 1500, app.b 3000
    ToolRun r = restore(mongo.uri(), cut, "--drop");
    assertThat(r.exit()).as(r.describe()).isEqualTo(1);
    assertThat(r.messages()).contains("dropping collection app.b before restoring");
    assertThat(mongo.counts().get("app.a")).isEqualTo(1500L);
    assertThat(mongo.counts().get("app.b")).as("partial data only").isBetween(1L, 2999L);
  }

  static void cutAtBoundary() throws Exception {
    mongo.seed("app", "a", 10);
    mongo.seed("app", "b", 10);
    ToolRun d = ToolRun.run(tools.mongodump(), mongo.uri("app"), null, Map.of(), List.of("--archive"));
    byte[] archive = d.stdout();
    int end = frameEnd(archive, SimArchive.END); // just after app.a's end frame
    mongo.reset();
    ToolRun r = ToolRun.run(tools.mongorestore(), mongo.uri(), Arrays.copyOf(archive, end), Map.of(), List.of("--archive"));
    assertThat(r.exit()).as(r.describe()).isEqualTo(1);
    assertThat(r.logged("Failed: error demultiplexing archive; archive io error")).as(r.describe()).isTrue();
    assertThat(mongo.counts()).isEqualTo(Map.of("app.a", 10L));
  }

  static void corruption() throws Exception {
    mongo.seed("app", "a", 10);
    byte[] archive = ToolRun.run(tools.mongodump(), mongo.uri("app"), null, Map.of(), List.of("--archive")).stdout();
    int dataEnd = frameEnd(archive, SimArchive.DATA);
    archive[dataEnd - 3] ^= 0x01; // inside the payload string of the first document: still valid BSON, wrong CRC
    mongo.reset();
    ToolRun r = ToolRun.run(tools.mongorestore(), mongo.uri(), archive, Map.of(), List.of("--archive"));
    assertThat(r.exit()).as(r.describe()).isEqualTo(1);
    assertThat(r.logged("corruption found in archive")).as(r.describe()).isTrue();
  }

  static void dryRun() throws Exception {
    byte[] cut = cutArchive();
    mongo.reset();
    ToolRun r = restore(mongo.uri(), cut, "--dryRun");
    assertThat(r.exit()).as(r.describe()).isZero();
    assertThat(r.messages()).contains("dry run completed");
    assertSummary(r, 0, 0);
    assertThat(mongo.counts()).isEmpty();
  }

  static void oplogStandalone() throws Exception {
    mongo.seed("app", "items", 5);
    ToolRun d = dump(mongo.uri(), "--oplog");
    assertThat(d.exit()).as(d.describe()).isEqualTo(1);
    assertThat(d.logged("Failed: error getting oplog start")).as(d.describe()).isTrue();
    assertThat(d.stdout()).isEmpty();
  }

  static void oplogNeedsFullDump() throws Exception {
    mongo.seed("app", "items", 5);
    ToolRun d = dump(mongo.uri("app"), "--oplog");
    assertThat(d.exit()).as(d.describe()).isEqualTo(1);
    assertThat(d.messages()).contains("Failed: bad option: --oplog mode only supported on full dumps");
    assertThat(d.stdout()).isEmpty();
  }

  static void oplogReplayRefusesIncludes() throws Exception {
    byte[] archive = seedAndDump();
    mongo.reset();
    for (ToolRun r : List.of(restore(mongo.uri(), archive, "--oplogReplay", "--nsInclude=app.*"),
        restore(mongo.uri("app"), archive, "--oplogReplay"))) {
      assertThat(r.exit()).as(r.describe()).isEqualTo(1);
      assertThat(r.messages()).as(r.describe()).contains("Failed: cannot use --oplogReplay with includes specified");
    }
    assertThat(mongo.counts()).isEmpty();
  }

  static void missingDatabaseDump() throws Exception {
    mongo.seed("app", "items", 5);
    ToolRun d = dump(mongo.uri("nothere"));
    assertThat(d.exit()).as(d.describe()).isZero();
    assertThat(d.logged("done dumping")).isFalse();
    assertThat(d.stdout()).isNotEmpty();
    ToolRun r = restore(mongo.uri(), d.stdout());
    assertThat(r.exit()).as(r.describe()).isZero();
    assertSummary(r, 0, 0);
  }

  static void authErrorEchoesPassword() throws Exception {
    mongo.seed("app", "items", 1);
    mongo.requireCredentials("backup", "s3cr3t", "admin");
    String wrong = mongo.uri("backup", "wr0ng-Pa55", "", "");
    ToolRun d = dump(wrong);
    assertThat(d.exit()).as(d.describe()).isEqualTo(1);
    assertThat(d.logged(wrong)).as(d.describe()).isTrue();
    assertThat(d.logged("Authentication failed")).isTrue();
    // the URI path becomes the authSource unless authSource is given
    assertThat(dump(mongo.uri("backup", "s3cr3t", "app", "")).exit()).isEqualTo(1);
    assertThat(dump(mongo.uri("backup", "s3cr3t", "app", "?authSource=admin")).exit()).isZero();
    ToolRun r = restore(wrong, d.stdout());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.logged(wrong)).as(r.describe()).isTrue();
  }

  static void unreachable() throws Exception {
    int closed;
    try (var s = new java.net.ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    ToolRun d = ToolRun.run(tools.mongodump(), "mongodb://127.0.0.1:" + closed + "/", null,
        Map.of(SimConnection.TIMEOUT_ENV, "1500"), List.of("--archive"));
    assertThat(d.exit()).as(d.describe()).isEqualTo(1);
    assertThat(d.logged("server selection timeout")).as(d.describe()).isTrue();
    assertThat(d.millis()).isGreaterThanOrEqualTo(1500);
    assertThat(SimConnection.DEFAULT_TIMEOUT_MS).as("the driver's default").isEqualTo(30_000);
  }

  /** Offset just after the first frame with this tag in an uncompressed archive. */
  static int frameEnd(byte[] archive, byte tag) {
    int pos = 0;
    while (pos < archive.length) {
      int size = ByteBuffer.wrap(archive, pos + 1, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
      int next = pos + 1 + size;
      if (archive[pos] == tag) {
        return next;
      }
      pos = next;
    }
    throw new AssertionError("no frame " + (char) tag);
  }
}
