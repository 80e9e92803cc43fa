package dev.turnout.backup.agent;

import dev.turnout.backup.catalog.BackupCatalog;
import dev.turnout.backup.catalog.BackupManifest;
import dev.turnout.common.Times;
import java.io.InputStream;
import java.io.PrintStream;
import java.time.Clock;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.s3.S3Client;

/** The backup agent's three operations; {@link AgentMain} is its command line. */
public class BackupAgent {
  private final AgentConfig cfg;
  private final Clock clock;
  private final PrintStream log;
  private final S3Client s3;
  private final BackupCatalog catalog;
  private final ArchiveObjects objects;

  public BackupAgent(AgentConfig cfg, Clock clock, PrintStream log) {
    this.cfg = cfg;
    this.clock = clock;
    this.log = log;
    this.s3 = cfg.s3().newClient();
    // scoped to the DatabaseBackup the Job runs for (OWNER_*): latest and the newest backup to verify are its own
    this.catalog = new BackupCatalog(s3, cfg.s3().bucket(), cfg.s3().prefix(), cfg.owner())
        .serverSideEncryption(cfg.encryption().sse());
    this.objects = new ArchiveObjects(s3, cfg.s3(), cfg.encryption());
  }

  // ---------------------------------------------------------------------------------------------------- backup

  /**
   * mongodump streamed into a multipart upload, then its manifest ({@link ArchiveBackup}); on any failure the upload is
   * aborted and no manifest is written.
   */
  public BackupManifest backup() {
    cfg.require(true);
    if (cfg.databases().size() > 1) {
      throw new AgentException(
          "DATABASES lists " + cfg.databases().size() + " databases, but mongodump dumps one database (--db) or all;"
              + " list one database or none", 2);
    }
    preflight();
    return new ArchiveBackup(cfg, clock, log, s3, catalog).run();
  }

  // ---------------------------------------------------------------------------------------------------- verify

  /**
   * Checks the archive against its manifest (size, sha256, gzip integrity) and, in RestoreTest mode, restores it into a
   * throwaway mongod and compares counts. Records the outcome in the manifest (verified, verifiedAt, verifyMode,
   * verifyError) and throws if it failed.
   *
   * @param object archive key, or null for OBJECT / the newest backup
   */
  public BackupManifest verify(String object) {
    cfg.require(false);
    preflight();
    String key = object != null ? object : cfg.object() != null ? s3call(() -> catalog.resolve(cfg.object())) : newestBackup();
    BackupManifest m =
        s3call(() -> catalog.readManifest(key))
            .orElseThrow(() -> new AgentException("no manifest for " + key + ": the backup is incomplete, not verifying it"));
    String error = null;
    try {
      objects.check(key, m, true);
      if ("RestoreTest".equals(cfg.verifyMode())) {
        restoreTest(key, m);
      }
    } catch (AgentException e) {
      if (e.exitCode() == 2) {
        throw e; // our settings (e.g. the key the manifest names is not mounted), not the backup, are at fault
      }
      error = e.getMessage();
    }
    m.verified = error == null;
    m.verifiedAt = Times.format(clock.instant());
    m.verifyMode = cfg.verifyMode();
    m.verifyError = error;
    s3call(() -> {
      catalog.writeManifest(m);
      return null;
    });
    if (error != null) {
      throw new AgentException("verification of " + key + " failed: " + error);
    }
    log.println("verify: " + key + " passed (" + cfg.verifyMode() + ")");
    return m;
  }

  /** RestoreTest: the archive restored into a throwaway mongod, every count compared ({@link ScratchRestore}). */
  private void restoreTest(String key, BackupManifest m) {
    new ScratchRestore(cfg, log).run(m, () -> objects.openChecked(key, m, null));
  }

  // ---------------------------------------------------------------------------------------------------- restore

  /**
   * Resolves OBJECT (key, or "latest" = newest verified), reads the whole object and checks its size and sha256 against
   * the manifest (and EXPECTED_SHA256) BEFORE anything touches the target, plans which namespaces go where
   * ({@link RestorePlan}), then streams the same object version (If-Match on its ETag, hashed again) through a
   * {@link StagedRestore}: staging collections first, counts checked, renamed into place last.
   */
  public StagedRestore.Outcome restore() {
    cfg.require(true);
    preflight();
    String key = s3call(() -> catalog.resolve(cfg.object() == null ? "latest" : cfg.object()));
    restoredObject = key;
    BackupManifest m =
        s3call(() -> catalog.readManifest(key))
            .orElseThrow(() -> new AgentException("no manifest for " + key + ": the backup is incomplete, refusing to restore it"));
    restoredSha256 = m.sha256;
    if (cfg.expectedSha256() != null && !cfg.expectedSha256().equalsIgnoreCase(m.sha256)) {
      throw new AgentException(
          "checksum mismatch for " + key + ": EXPECTED_SHA256 is " + cfg.expectedSha256() + " but the manifest says "
              + m.sha256 + "; refusing to restore");
    }
    String etag;
    try {
      // the whole object, gzip to its end included: a cut archive is refused before mongorestore sees a byte
      etag = objects.check(key, m, true);
    } catch (AgentException e) {
      throw new AgentException(e.getMessage() + "; refusing to restore", e.exitCode()); // 2: e.g. its key is missing
    }
    MongoUri target = MongoUri.parse(cfg.mongodbUri());
    java.util.function.Supplier<InputStream> archive = () -> objects.openChecked(key, m, etag);
    Map<String, Long> counts = m.counts;
    // point-in-time: the archive replayed in a scratch mongod first; its dump and counts then feed the same staged restore
    restoredPointInTime = PointInTimeRestore.wanted(PointInTimeRestore.Mode.valueOf(cfg.pointInTime()), m, key, log);
    PointInTimeRestore replay = null;
    if (restoredPointInTime) {
      try {
        replay = PointInTimeRestore.replay(cfg, log, key, m, archive);
      } catch (PointInTimeRestore.VersionMismatch e) {
        if (PointInTimeRestore.Mode.valueOf(cfg.pointInTime()) == PointInTimeRestore.Mode.Required) {
          throw new AgentException(e.getMessage() + "; POINT_IN_TIME is Required: refusing to restore", 2);
        }
        log.println("restore: " + e.getMessage() + "; restoring the collections as dumped, without replaying the oplog");
        restoredPointInTime = false;
      }
    }
    try (PointInTimeRestore replayed = replay) {
      if (replayed != null) {
        oplogEntries = replayed.oplogEntries();
        counts = replayed.counts();
        archive = replayed::dump;
      }
      RestorePlan plan = RestorePlan.of(counts, cfg.nsFrom(), cfg.nsTo(), cfg.restoreId());
      target.databaseInPath().ifPresent(db -> refuseOtherDatabases(db, plan));
      log.println("restore: " + key + " -> " + plan.moves().size() + " collection(s), " + plan.expectedDocuments()
          + " document(s)" + (plan.skipped().isEmpty() ? "" : "; not restored: " + plan.skipped()));
      StagedRestore.Outcome outcome =
          new StagedRestore(cfg.mongorestore(), log)
              .run(plan, target, cfg.drop(), archive, cfg.restoreId(), true, cfg.serverSelectionTimeoutMs());
      log.println("restore: restored " + key + " (sha256 " + m.sha256 + ")"
          + (replayed != null ? " as of the end of its dump (" + oplogEntries + " oplog entries replayed)" : "") + ": "
          + outcome.restored());
      return outcome;
    }
  }

  /**
   * A database in the target URI's path is only the authSource for the tools ({@link MongoUri}); a user who wrote it
   * meant "restore into this database", so a plan writing anywhere else is refused rather than run.
   */
  private static void refuseOtherDatabases(String uriDb, RestorePlan plan) {
    List<String> elsewhere =
        plan.moves().stream().map(RestorePlan.Move::target).filter(t -> !t.startsWith(uriDb + ".")).toList();
    if (!elsewhere.isEmpty()) {
      throw new AgentException("the target URI names database " + uriDb + ", but the restore would write " + elsewhere
          + ": rename with nsFrom/nsTo (e.g. nsFrom: '" + elsewhere.get(0).substring(0, elsewhere.get(0).indexOf('.'))
          + ".*', nsTo: '" + uriDb + ".*'), or remove the database from the URI", 2);
    }
  }


  // ---------------------------------------------------------------------------------------------------- helpers

  /**
   * Fails early with a clear message on a missing bucket or rejected keys: one ListObjectsV2 on the prefix (max-keys 1).
   * Not HeadBucket, which needs s3:ListBucket on the whole bucket and fails with credentials scoped to the prefix; no
   * test write either (Jobs may have no delete permission to clean it up): for a backup the upload itself is the
   * write check.
   */
  private void preflight() {
    s3call(() -> s3.listObjectsV2(b -> b.bucket(bucket()).prefix(cfg.s3().prefix()).maxKeys(1)));
  }

  private String newestBackup() {
    return s3call(catalog::list).stream()
        .max(Comparator.comparing(BackupCatalog.Entry::time))
        .map(BackupCatalog.Entry::archiveKey)
        .orElseThrow(() -> new AgentException("no backup under s3://" + bucket() + "/" + cfg.s3().prefix() + " to verify"));
  }

  /** What a restore resolved, for its result line even when it failed. */
  String restoredObject;
  String restoredSha256;
  /** Whether the restore replays (replayed) the backup's oplog; null until decided. */
  Boolean restoredPointInTime;
  /** Oplog entries mongorestore applied in the scratch mongod (point-in-time restores). */
  Long oplogEntries;

  private String bucket() {
    return cfg.s3().bucket();
  }

  private <T> T s3call(java.util.function.Supplier<T> call) {
    return S3Calls.call(cfg.s3(), call);
  }


  static Map<String, Object> summary(String command, BackupManifest m) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("command", command);
    r.put("ok", true);
    if (m != null) {
      r.put("object", m.object);
      r.put("sizeBytes", m.sizeBytes);
      r.put("sha256", m.sha256);
      r.put("startedAt", m.startedAt);
      r.put("completedAt", m.completedAt);
      if (m.verified != null) {
        r.put("verified", m.verified);
      }
    }
    return r;
  }

}
