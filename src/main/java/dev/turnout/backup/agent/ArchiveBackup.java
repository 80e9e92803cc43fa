package dev.turnout.backup.agent;

import dev.turnout.backup.catalog.BackupCatalog;
import dev.turnout.backup.catalog.BackupKeys;
import dev.turnout.backup.catalog.BackupManifest;
import dev.turnout.backup.catalog.S3Errors;
import dev.turnout.common.Times;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * One backup (the agent's {@code backup} command, after {@link BackupAgent} checked its settings and the bucket): asks
 * the server for its topology (point-in-time with --oplog only on a replica set and a full dump), streams mongodump's
 * archive (encrypted when configured) into a multipart upload while hashing it, and writes the manifest last.
 */
final class ArchiveBackup {
  private final AgentConfig cfg;
  private final Clock clock;
  private final PrintStream log;
  private final S3Client s3;
  private final BackupCatalog catalog;

  ArchiveBackup(AgentConfig cfg, Clock clock, PrintStream log, S3Client s3, BackupCatalog catalog) {
    this.cfg = cfg;
    this.clock = clock;
    this.log = log;
    this.s3 = s3;
    this.catalog = catalog;
  }

  /**
   * mongodump --archive --gzip [--db X] streamed into a multipart upload; the manifest is written only after mongodump
   * exited 0 and the upload completed. On any failure the multipart upload is aborted and no manifest is written.
   */
  BackupManifest run() {
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

  private String bucket() {
    return cfg.s3().bucket();
  }

  private <T> T s3call(java.util.function.Supplier<T> call) {
    return S3Calls.call(cfg.s3(), call);
  }
}
