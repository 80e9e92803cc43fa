package dev.turnout.backup.agent;

import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;

/**
 * A throwaway mongod in the agent's pod: {@code mongod --dbpath <new dir in java.io.tmpdir> --port <free> --bind_ip
 * 127.0.0.1}, no auth, its log (stdout) read all along (a mongod whose stdout nobody reads blocks once the pipe is
 * full: issue 11 item 5). java.io.tmpdir is the Job's /tmp emptyDir, whose sizeLimit bounds the data. Closing stops it
 * and deletes its data.
 *
 * <p>Used by RestoreTest verification and drills ({@link ScratchRestore}) and kept alive across two tool runs by the
 * point-in-time restore ({@link PointInTimeRestore}).
 */
final class ScratchMongod implements AutoCloseable {
  private final Path dbpath;
  private final MongoTool process;
  private final MongoUri uri;

  private ScratchMongod(Path dbpath, MongoTool process, int port) {
    this.dbpath = dbpath;
    this.process = process;
    this.uri = MongoUri.parse("mongodb://127.0.0.1:" + port + "/");
  }

  /** Starts it and waits (up to 120 s) until it listens. {@code purpose} prefixes every error message. */
  static ScratchMongod start(String mongod, PrintStream log, String purpose) {
    Path dbpath;
    int port;
    try {
      dbpath = Files.createTempDirectory("turnout-scratch-");
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
    } catch (IOException e) {
      throw new AgentException(purpose + ": cannot prepare a temporary mongod: " + e.getMessage());
    }
    MongoTool server;
    try {
      server = MongoTool.startServer(mongod,
          // a small WiredTiger cache (its default is half the RAM minus 1 GB): the agent's JVM and the tools share the
          // container's memory limit with this mongod, and a restore's working set needs little cache
          List.of("--dbpath", dbpath.toString(), "--port", String.valueOf(port), "--bind_ip", "127.0.0.1",
              "--wiredTigerCacheSizeGB", "0.25"), log);
    } catch (AgentException e) {
      deleteTree(dbpath);
      throw new AgentException(purpose + " needs mongod in the agent image (MONGOD=" + mongod + "): " + e.getMessage());
    }
    ScratchMongod m = new ScratchMongod(dbpath, server, port);
    try {
      m.waitForPort(port, purpose);
    } catch (AgentException e) {
      m.close();
      throw e;
    }
    return m;
  }

  /** {@code mongodb://127.0.0.1:<port>/}: no database in the path (the tools would take it for --db). */
  MongoUri uri() {
    return uri;
  }

  private void waitForPort(int port, String purpose) {
    long deadline = System.nanoTime() + 120_000_000_000L;
    while (System.nanoTime() < deadline) {
      if (!process.process().isAlive()) {
        throw new AgentException(purpose + ": mongod exited " + process.process().exitValue() + ": " + process.lastStderrLine());
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
    throw new AgentException(purpose + ": mongod did not listen on port " + port + " within 120 s");
  }

  @Override
  public void close() {
    try {
      process.close();
    } finally {
      deleteTree(dbpath);
    }
  }

  private static void deleteTree(Path dir) {
    try (var walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort: the emptyDir goes with the pod
    }
  }
}
