package dev.turnout.backup.agent;

import dev.turnout.backup.catalog.BackupManifest;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.function.Supplier;

/**
 * RestoreTest verification: the archive restored into a throwaway mongod through the same {@link StagedRestore} as a
 * real restore (no rename; system namespaces skipped, since a full dump always holds admin.system.version, which
 * mongorestore never restores), every collection's count compared with the manifest. The scratch data lives in
 * java.io.tmpdir, the Job's /tmp emptyDir, whose sizeLimit bounds it ({@link ScratchMongod}).
 */
final class ScratchRestore {
  private final AgentConfig cfg;
  private final PrintStream log;

  ScratchRestore(AgentConfig cfg, PrintStream log) {
    this.cfg = cfg;
    this.log = log;
  }

  void run(BackupManifest m, Supplier<InputStream> archive) {
    RestorePlan plan;
    try {
      plan = RestorePlan.of(m.counts, null, null, "verify");
    } catch (AgentException e) {
      throw new AgentException("RestoreTest: " + e.getMessage());
    }
    try (ScratchMongod mongod = ScratchMongod.start(cfg.mongod(), log, "RestoreTest")) {
      new StagedRestore(cfg.mongorestore(), log).run(plan, mongod.uri(), true, archive, "verify", false, cfg.serverSelectionTimeoutMs());
    } catch (AgentException e) {
      if (e.getMessage() != null && e.getMessage().startsWith("RestoreTest")) {
        throw e; // the scratch mongod's own failure, already named
      }
      AgentException wrapped = new AgentException("RestoreTest: " + e.getMessage());
      wrapped.initCause(e); // a drill names the collections of a CountMismatch
      throw wrapped;
    }
  }
}
