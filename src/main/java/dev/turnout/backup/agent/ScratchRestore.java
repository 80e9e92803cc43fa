package dev.turnout.backup.agent;

import dev.turnout.backup.catalog.BackupManifest;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.function.Supplier;

/**
 * RestoreTest verification: the archive restored into a throwaway mongod through the same {@link StagedRestore} as a
 * real restore (no rename; system namespaces skipped, since a full dump always holds admin.system.version, which
 * mongorestore never restores), every collection's count compared with the manifest. The scratch data lives in
 * java.io.tmpdir, the Job's /tmp emptyDir, whose sizeLimit bounds it; the mongod's log (stdout) is read all along.
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
    Path dbpath;
    int port;
    try {
      dbpath = Files.createTempDirectory("turnout-restoretest-");
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
    } catch (IOException e) {
      throw new AgentException("RestoreTest: cannot prepare a temporary mongod: " + e.getMessage());
    }
    List<String> mongodArgs = List.of("--dbpath", dbpath.toString(), "--port", String.valueOf(port), "--bind_ip", "127.0.0.1");
    MongoTool mongod;
    try {
      mongod = MongoTool.startServer(cfg.mongod(), mongodArgs, log);
    } catch (AgentException e) {
      deleteTree(dbpath);
      throw new AgentException("RestoreTest needs mongod in the agent image (MONGOD=" + cfg.mongod() + "): " + e.getMessage());
    }
    try (mongod) {
      waitForPort(port, mongod);
      MongoUri scratch = MongoUri.parse("mongodb://127.0.0.1:" + port + "/");
      new StagedRestore(cfg.mongorestore(), log).run(plan, scratch, true, archive, "verify", false, cfg.serverSelectionTimeoutMs());
    } catch (AgentException e) {
      AgentException wrapped = new AgentException("RestoreTest: " + e.getMessage());
      wrapped.initCause(e); // a drill names the collections of a CountMismatch
      throw wrapped;
    } finally {
      deleteTree(dbpath);
    }
  }

  private static void waitForPort(int port, MongoTool mongod) {
    long deadline = System.nanoTime() + 120_000_000_000L;
    while (System.nanoTime() < deadline) {
      if (!mongod.process().isAlive()) {
        throw new AgentException("RestoreTest: mongod exited " + mongod.process().exitValue() + ": " + mongod.lastStderrLine());
      }
      try (Socket s = new Socket("127.0.0.1", port)) {
        return;
      } catch (IOException e) {
        try {
          Thread.sleep(200);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new AgentException("interrupted");
        }
      }
    }
    throw new AgentException("RestoreTest: mongod did not listen on port " + port + " within 120 s");
  }

  private static void deleteTree(Path dir) {
    try (var walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort
    }
  }
}
