package dev.turnout.backup.agent;

import dev.turnout.backup.catalog.BackupCatalog;
import dev.turnout.backup.catalog.BackupManifest;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The agent's {@code drill} command: the newest verified backup of the Job's owner (OWNER_*) read back and checked
 * (size, sha256, gzip to its end), restored into a throwaway mongod in the pod ({@link ScratchRestore}, as RestoreTest
 * verification does) and every collection's count compared with the manifest.
 *
 * <p>Read-only on S3: a drill lists the prefix and reads manifests and one archive; it never writes a manifest (unlike
 * verify) nor deletes anything, so the Job's credentials may lack s3:PutObject and s3:DeleteObject. It never connects to
 * the backed-up server either: the drill Job has no MONGODB_URI.
 */
final class RestoreDrill {
  /** At most this many failing collections in the result: the termination message holds 4096 bytes. */
  static final int MAX_LISTED = 10;

  private final AgentConfig cfg;
  private final PrintStream log;

  RestoreDrill(AgentConfig cfg, PrintStream log) {
    this.cfg = cfg;
    this.log = log;
  }

  /** A drill that failed: what it found, for the result JSON, and the message. */
  static final class Failed extends AgentException {
    final Map<String, Object> details;

    Failed(String message, Map<String, Object> details) {
      super(message);
      this.details = details;
    }
  }

  /** Runs the drill; returns the result JSON's fields, or throws {@link Failed} (exit 1) with them. */
  Map<String, Object> run() {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("command", "drill");
    try (S3Client s3 = cfg.s3().newClient()) {
      BackupCatalog catalog = new BackupCatalog(s3, cfg.s3().bucket(), cfg.s3().prefix(), cfg.owner());
      ArchiveObjects objects = new ArchiveObjects(s3, cfg.s3(), cfg.encryption());
      BackupCatalog.Entry newest = s3call(catalog::latestVerified)
          .orElseThrow(() -> new Failed("no verified backup" + (cfg.owner() == null ? "" : " of DatabaseBackup " + cfg.owner())
              + " under s3://" + cfg.s3().bucket() + "/" + cfg.s3().prefix() + " to drill", r));
      String key = newest.archiveKey();
      BackupManifest m = newest.manifest();
      r.put("object", key);
      r.put("sha256", m.sha256);
      r.put("backupCompletedAt", m.completedAt);
      RestorePlan plan;
      try {
        plan = RestorePlan.of(m.counts, null, null, "drill");
      } catch (AgentException e) {
        throw new Failed("drill of " + key + ": " + e.getMessage(), r);
      }
      r.put("collections", plan.moves().size());
      r.put("documents", plan.expectedDocuments());
      log.println("drill: " + key + " (backup of " + m.completedAt + ") -> throwaway mongod, " + plan.moves().size()
          + " collection(s), " + plan.expectedDocuments() + " document(s) to count");
      try {
        String etag = objects.check(key, m, true);
        new ScratchRestore(cfg, log).run(m, () -> objects.openChecked(key, m, etag));
      } catch (AgentException e) {
        CountMismatch.in(e).ifPresent(c -> r.put("failedCollections", c.namespaces.stream().limit(MAX_LISTED).toList()));
        // ScratchRestore words its failures for RestoreTest verification
        String why = e.getMessage().startsWith("RestoreTest: ") ? e.getMessage().substring("RestoreTest: ".length()) : e.getMessage();
        throw new Failed("drill of " + key + " failed: " + why, r);
      }
      r.put("ok", true);
      log.println("drill: " + key + " passed: " + plan.moves().size() + " collection(s), " + plan.expectedDocuments()
          + " document(s), every count as in the manifest");
      return r;
    }
  }

  private <T> T s3call(java.util.function.Supplier<T> call) {
    return S3Calls.call(cfg.s3(), call);
  }
}
