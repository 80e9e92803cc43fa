package dev.turnout.backup.agent;

import dev.turnout.backup.catalog.BackupCatalog;
import dev.turnout.backup.catalog.BackupKeys;
import dev.turnout.backup.catalog.BackupManifest;
import dev.turnout.backup.catalog.S3Errors;
import dev.turnout.common.Times;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

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
   * mongodump --archive --gzip [--db X] streamed into a multipart upload; the manifest is written only after mongodump
   * exited 0 and the upload completed. On any failure the multipart upload is aborted and no manifest is written.
   */
  public BackupManifest backup() {
    cfg.require(true);
    if (cfg.databases().size() > 1) {
      throw new AgentException(
          "DATABASES lists " + cfg.databases().size() + " databases, but mongodump dumps one database (--db) or all;"
              + " list one database or none", 2);
    }
    preflight();
    String dumpVersion = MongoTool.version(cfg.mongodump());
    MongoUri uri = MongoUri.parse(cfg.mongodbUri());
    uri.databaseInPath().ifPresent(db -> log.println("backup: MONGODB_URI names database " + db + "; mongodump would"
        + " dump only that database, so the agent uses it as authSource only and dumps "
        + (cfg.databases().isEmpty() ? "every database" : cfg.databases()) + " (spec.mongodb.databases)"));
    MongoTarget.Topology topology;
    String serverVersion = null;
    try (MongoTarget server = MongoTarget.connect(uri, cfg.serverSelectionTimeoutMs())) {
      topology = server.topology();
      serverVersion = server.serverVersion();
    } catch (AgentException e) {
      // not fatal: mongodump reports the same trouble (unreachable, refused credentials) in its own, familiar words;
      // the driver may also lack an authentication mechanism the tools have. Without the answer: no --oplog.
      log.println("backup: could not ask the server for its topology (" + e.getMessage() + "); dumping without --oplog");
      topology = MongoTarget.Topology.UNKNOWN;
    }
    // mongodump --oplog works only on full dumps and only against a replica set (issue 11: on a standalone it exits 1,
    // "error getting oplog start", leaving an empty archive); everything else is a plain, not point-in-time, dump
    boolean pointInTime = topology == MongoTarget.Topology.REPLICA_SET && cfg.databases().isEmpty();
    if (!pointInTime) {
      log.println("backup: not point-in-time (no --oplog): " + (topology != MongoTarget.Topology.REPLICA_SET
          ? "the server is " + topology.label + ", --oplog needs a replica set"
          : "--oplog needs a dump of all databases, spec.mongodb.databases lists " + cfg.databases()));
    }
    Instant started = clock.instant();
    String key = BackupKeys.archiveKey(cfg.s3().prefix(), started);
    if (exists(key) || exists(BackupKeys.manifestKeyForArchive(key))) {
      throw new AgentException("a backup named " + key + " already exists; not overwriting it");
    }
    List<String> args = new ArrayList<>(List.of("--archive", "--gzip"));
    for (String db : cfg.databases()) {
      args.add("--db=" + db);
    }
    if (pointInTime) {
      args.add("--oplog");
    }
    MessageDigest sha = ArchiveObjects.sha256();
    ArchiveCrypto crypto = new ArchiveCrypto(cfg.encryption());
    // the key is read before mongodump starts: a missing key fails the backup (exit 2) with nothing uploaded
    crypto.requireBackupKey();
    try (ArchiveUpload upload = ArchiveUpload.start(s3, cfg.s3(), key, cfg.partSizeBytes(), log, cfg.encryption().sse());
        MongoTool dump = MongoTool.start(cfg.mongodump(), uri.forTools(), args, log)) {
      // sha256 and size are the STORED object's (ciphertext when encrypted): checksums need no key
      // mongodump's own bytes are counted too: an empty dump still encrypts to a header and a last segment
      long[] dumped = {0};
      InputStream fromDump = new java.io.FilterInputStream(dump.process().getInputStream()) {
        @Override
        public int read() throws IOException {
          int b = super.read();
          dumped[0] += b < 0 ? 0 : 1;
          return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
          int n = super.read(b, off, len);
          dumped[0] += Math.max(n, 0);
          return n;
        }
      };
      try (InputStream in = new DigestInputStream(crypto.forUpload(fromDump, key, cfg.owner()), sha)) {
        upload.copyFrom(in);
      } catch (IOException e) {
        // only closing mongodump's stdout can land here (copyFrom reports read failures itself); harmless
      }
      long size = upload.size();
      int rc = dump.waitFor();
      if (rc != 0) {
        throw new AgentException("mongodump exited " + rc + " after " + size + " bytes: " + dump.lastStderrLine());
      }
      if (dumped[0] == 0) {
        throw new AgentException("mongodump exited 0 but wrote nothing: " + dump.lastStderrLine());
      }
      upload.complete();
      BackupManifest m = new BackupManifest();
      m.object = key;
      m.job = cfg.jobName();
      m.owner = cfg.owner();
      m.sizeBytes = size;
      m.sha256 = HexFormat.of().formatHex(sha.digest());
      m.startedAt = Times.format(started);
      m.completedAt = Times.format(clock.instant().isBefore(started) ? started : clock.instant());
      m.mongodumpVersion = dumpVersion;
      m.agentVersion = AgentMain.version();
      m.databases = new ArrayList<>(cfg.databases());
      m.counts = dump.counts();
      m.pointInTime = pointInTime;
      m.topology = topology.label;
      m.serverVersion = serverVersion;
      m.encryption = crypto.manifestEntry();
      s3call(() -> {
        catalog.writeManifest(m);
        return null;
      });
      log.println("backup: wrote s3://" + bucket() + "/" + key + " (" + size + " bytes, sha256 " + m.sha256
          + (m.clientSideKeyId() == null ? "" : ", encrypted with key id " + m.clientSideKeyId()) + ") and its manifest");
      return m;
    }
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

  private boolean exists(String key) {
    try {
      s3.headObject(b -> b.bucket(bucket()).key(key));
      return true;
    } catch (software.amazon.awssdk.services.s3.model.NoSuchKeyException e) {
      return false;
    } catch (software.amazon.awssdk.services.s3.model.S3Exception e) {
      if (e.statusCode() == 404) {
        return false;
      }
      throw new AgentException(S3Errors.describe(e, cfg.s3()));
    }
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
