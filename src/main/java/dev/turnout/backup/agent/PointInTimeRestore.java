package dev.turnout.backup.agent;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.MongoException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import dev.turnout.backup.catalog.BackupManifest;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bson.Document;

/**
 * Point-in-time restore of a backup taken with {@code mongodump --oplog}: the archive's collections as they were read
 * plus the oplog of the dump's window, replayed, give the data as it was when the dump ended.
 *
 * <p>Why through a throwaway mongod: {@code mongorestore --oplogReplay} refuses every filter and rename (mongo-tools,
 * mongorestore/mongorestore.go ParseAndValidateOptions: "cannot use --oplogReplay with includes specified" for
 * --nsInclude and for --db, which a database in the URI path becomes; "... with excludes specified" for --nsExclude;
 * "... with namespace renames specified" for --nsFrom), and the oplog's entries name the SOURCE namespaces (oplog.go
 * applies them as they are, no renaming). So a restore that names its namespaces exactly and renames into staging
 * collections ({@link RestorePlan}, {@link StagedRestore}) cannot replay the oplog. Instead:
 *
 * <ol>
 *   <li>{@code mongorestore --archive --gzip --oplogReplay} of the whole, already checksummed archive into a
 *       {@link ScratchMongod} (no filter: nothing there to protect), failing on a non-zero exit, a missing summary or
 *       any document that failed to insert;
 *   <li>the replayed server's collections are counted on it: these, not the manifest's (taken while the dump read each
 *       collection, before the replay), are what the target must end up with;
 *   <li>{@code mongodump --archive --gzip} of the scratch server is streamed into the usual staged restore, which
 *       plans, restores into staging collections, checks the counts and swaps as for any backup. When that dump ends,
 *       its own per-collection counts are compared with the counted ones (a difference fails the restore before the
 *       swap).
 * </ol>
 *
 * The target is touched only by the staged restore, so every failure here leaves it unchanged. The scratch server needs
 * room for the whole uncompressed backup: the restore Job's /tmp (DatabaseRestore spec.scratchSizeLimit).
 */
final class PointInTimeRestore implements AutoCloseable {
  /** POINT_IN_TIME: whether the oplog of a point-in-time backup is replayed. */
  enum Mode {
    /** Replay when the backup has an oplog; restore the collections as dumped otherwise. */
    IfAvailable,
    /** Replay; refuse a backup without an oplog. */
    Required,
    /** Never replay (no scratch server: the collections as dumped, each a little apart in time). */
    Off;

    static Mode parse(String s) {
      if (s == null || s.isBlank()) {
        return IfAvailable;
      }
      for (Mode m : values()) {
        if (m.name().equalsIgnoreCase(s.trim())) {
          return m;
        }
      }
      throw new AgentException("POINT_IN_TIME must be IfAvailable, Required or Off, not \"" + s + "\"", 2);
    }
  }

  /** mongorestore's last oplog line (oplog.go RestoreOplog: "applied %v oplog entries"). */
  private static final Pattern APPLIED = Pattern.compile("applied (\\d+) oplog entries");

  private final AgentConfig cfg;
  private final PrintStream log;
  private final ScratchMongod scratch;
  private final Map<String, Long> counts;
  private final long oplogEntries;

  private PointInTimeRestore(AgentConfig cfg, PrintStream log, ScratchMongod scratch, Map<String, Long> counts, long entries) {
    this.cfg = cfg;
    this.log = log;
    this.scratch = scratch;
    this.counts = counts;
    this.oplogEntries = entries;
  }

  /**
   * Whether this restore replays the manifest's oplog: POINT_IN_TIME and the manifest's pointInTime.
   *
   * @throws AgentException (exit 2) for Required and a backup without an oplog: nothing has touched the target
   */
  static boolean wanted(Mode mode, BackupManifest m, String key, PrintStream log) {
    boolean hasOplog = Boolean.TRUE.equals(m.pointInTime);
    if (mode == Mode.Required && !hasOplog) {
      throw new AgentException("POINT_IN_TIME is Required, but " + key + " is not a point-in-time backup (no oplog:"
          + " mongodump --oplog needs a replica set and a dump of all databases; this backup's topology: "
          + (m.topology == null ? "not recorded" : m.topology) + "); refusing to restore it", 2);
    }
    if (!hasOplog) {
      log.println("restore: " + key + " is not point-in-time (no oplog): the collections are restored as dumped");
    } else if (mode == Mode.Off) {
      log.println("restore: " + key + " has an oplog, but POINT_IN_TIME is Off: the collections are restored as dumped,"
          + " without replaying it");
    }
    return hasOplog && mode != Mode.Off;
  }

  /** A backup whose server version differs in major version from the agent's mongod (message says which). */
  static final class VersionMismatch extends AgentException {
    VersionMismatch(String message) {
      super(message);
    }
  }

  /** Same major version (7.0.x vs 7.0.y; 8.0 vs 7.0 differ); unknown on either side counts as the same. */
  static boolean sameMajor(String a, String b) {
    if (a == null || b == null) {
      return true;
    }
    return major(a).equals(major(b));
  }

  private static String major(String version) {
    String[] parts = version.split("\\.");
    return parts.length >= 2 ? parts[0] + "." + parts[1] : parts[0];
  }

  /** Steps 1 and 2: the archive restored into a new scratch mongod with its oplog replayed, then counted there. */
  static PointInTimeRestore replay(AgentConfig cfg, PrintStream log, String key, BackupManifest m, Supplier<InputStream> archive) {
    String what = "point-in-time replay of " + key;
    ScratchMongod scratch = ScratchMongod.start(cfg.mongod(), log, what);
    try {
      // mongorestore guarantees a restore only between the same major versions, and not at all for the oplog
      // (mongorestore docs); the oplog's commands are a closed list per tools release. A backup of another major
      // version is therefore not replayed through this pod's mongod.
      String scratchVersion;
      try (MongoTarget server = MongoTarget.connect(scratch.uri(), cfg.serverSelectionTimeoutMs())) {
        scratchVersion = server.serverVersion();
      }
      if (!sameMajor(m.serverVersion, scratchVersion)) {
        throw new VersionMismatch(key + " was dumped from MongoDB " + m.serverVersion + ", the agent's mongod is "
            + scratchVersion + ": its oplog is not replayed across major versions");
      }
      long entries = replayInto(cfg, log, scratch, archive, what);
      Map<String, Long> counts = countAll(scratch, cfg.serverSelectionTimeoutMs(), what);
      log.println("restore: replayed " + entries + " oplog entries of " + key + " in a scratch mongod; restoring its "
          + counts.size() + " namespace(s) as of the dump's end");
      return new PointInTimeRestore(cfg, log, scratch, counts, entries);
    } catch (RuntimeException e) {
      scratch.close();
      throw e;
    }
  }

  private static long replayInto(AgentConfig cfg, PrintStream log, ScratchMongod scratch, Supplier<InputStream> archive,
      String what) {
    long[] applied = {-1};
    PrintStream watching = new PrintStream(log, true) {
      @Override
      public void println(String line) {
        Matcher m = APPLIED.matcher(line == null ? "" : line);
        if (m.find()) {
          applied[0] = Long.parseLong(m.group(1));
        }
        super.println(line);
      }
    };
    long bytes = 0;
    try (MongoTool restore = MongoTool.start(cfg.mongorestore(), scratch.uri().forTools(),
        List.of("--archive", "--gzip", "--oplogReplay"), watching)) {
      String streamError = null;
      try (InputStream in = archive.get(); OutputStream stdin = restore.process().getOutputStream()) {
        byte[] buf = new byte[64 * 1024];
        for (int n; (n = in.read(buf)) > 0; bytes += n) {
          stdin.write(buf, 0, n);
        }
      } catch (IOException e) {
        streamError = e.getMessage();
      }
      int rc = restore.waitFor();
      if (rc != 0) {
        throw new AgentException(what + ": mongorestore --oplogReplay exited " + rc + " after " + bytes + " bytes: "
            + restore.lastStderrLine());
      }
      if (streamError != null) {
        throw new AgentException(what + ": streaming the archive failed after " + bytes + " bytes: " + streamError);
      }
      long[] summary = restore.restoreSummary();
      if (summary == null || summary[1] > 0 || restore.continuedErrors() > 0) {
        throw new AgentException(what + ": mongorestore --oplogReplay "
            + (summary == null ? "printed no summary (last line: " + restore.lastStderrLine() + ")"
                : "skipped documents: " + summary[0] + " restored, " + summary[1] + " failed to restore"
                    + (restore.firstContinuedError() == null ? "" : " (first: " + restore.firstContinuedError() + ")")));
      }
    }
    if (applied[0] < 0) {
      throw new AgentException(what + ": mongorestore exited 0 without \"applied N oplog entries\": the oplog was not replayed");
    }
    return applied[0];
  }

  /**
   * Every namespace of the replayed server but {@code local}: documents of each collection (an exact count; nothing
   * else writes there), 0 for views and time-series (no documents of their own to check; RestorePlan refuses the
   * latter by their buckets). RestorePlan leaves out admin, config and system.* as for any restore.
   */
  private static Map<String, Long> countAll(ScratchMongod scratch, int timeoutMs, String what) {
    MongoClientSettings settings = MongoClientSettings.builder()
        .applyConnectionString(new ConnectionString(scratch.uri().forTools()))
        .applyToClusterSettings(b -> b.serverSelectionTimeout(timeoutMs, TimeUnit.MILLISECONDS))
        .build();
    Map<String, Long> out = new TreeMap<>();
    try (MongoClient client = MongoClients.create(settings)) {
      for (String db : client.listDatabaseNames().into(new ArrayList<>())) {
        if (db.equals("local")) {
          continue;
        }
        for (Document info : client.getDatabase(db).listCollections().into(new ArrayList<>())) {
          String name = info.getString("name");
          boolean collection = info.getString("type") == null || "collection".equals(info.getString("type"));
          out.put(db + "." + name, collection ? client.getDatabase(db).getCollection(name).countDocuments() : 0L);
        }
      }
    } catch (MongoException e) {
      throw new AgentException(what + ": counting the replayed collections failed: " + e.getMessage());
    }
    return out;
  }

  /** Documents per namespace of the replayed data: what the restore plans and checks against. */
  Map<String, Long> counts() {
    return counts;
  }

  long oplogEntries() {
    return oplogEntries;
  }

  /**
   * Step 3's archive: {@code mongodump --archive --gzip} of the scratch server, read as it is written. Closing the
   * stream after its end waits for mongodump and fails (an IOException, which the staged restore reports before any
   * swap) on a non-zero exit or a per-collection count other than {@link #counts()}; closing it early stops mongodump.
   */
  InputStream dump() {
    MongoTool dump = MongoTool.start(cfg.mongodump(), scratch.uri().forTools(), List.of("--archive", "--gzip"), log);
    return new FilterInputStream(dump.process().getInputStream()) {
      private boolean ended;

      @Override
      public int read() throws IOException {
        int b = super.read();
        ended |= b < 0;
        return b;
      }

      @Override
      public int read(byte[] buf, int off, int len) throws IOException {
        int n = super.read(buf, off, len);
        ended |= n < 0;
        return n;
      }

      @Override
      public void close() throws IOException {
        if (!ended) {
          dump.close(); // the restore stopped reading: nothing to wait for
          return;
        }
        int rc = dump.waitFor();
        dump.close();
        if (rc != 0) {
          throw new IOException("mongodump of the replayed scratch server exited " + rc + ": " + dump.lastStderrLine());
        }
        List<String> diffs = new ArrayList<>();
        dump.counts().forEach((ns, n) -> {
          Long want = counts.get(ns);
          if (want != null && want.longValue() != n) {
            diffs.add(ns + ": counted " + want + ", dumped " + n);
          }
        });
        if (!diffs.isEmpty()) {
          throw new IOException("the dump of the replayed scratch server differs from its counts: " + String.join("; ", diffs));
        }
      }
    };
  }

  @Override
  public void close() {
    scratch.close();
  }
}
