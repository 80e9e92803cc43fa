package dev.turnout.mongo;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.io.PrintStream;
import java.time.Instant;
import java.util.List;

/**
 * A throwaway mongod for the agent's RestoreTest verification: {@code mongod --dbpath D --port P --bind_ip 127.0.0.1},
 * a mongo-java-server (memory backend) on that address until the process is killed. Like mongod 4.4+, it writes its
 * structured log (one JSON object per line) to stdout, and plenty of it: a real mongod logs tens of KiB at start-up,
 * more than a pipe's 64 KiB buffer over its life, and blocks on a full pipe. The agent once never read that pipe (issue
 * 11, item 5: "the scratch mongod's stdout pipe is never read"); this mongod blocks the same way when nobody reads it.
 */
final class SimMongod {
  private SimMongod() {}

  static int run(List<String> args, PrintStream stdout) throws InterruptedException {
    int port = Integer.parseInt(value(args, "--port", "27017"));
    String bind = value(args, "--bind_ip", "127.0.0.1");
    String dbpath = value(args, "--dbpath", "/data/db");
    // start-up chatter first, more than a pipe holds: a mongod whose stdout is not read never gets to listen
    for (int i = 0; i < 1200; i++) {
      log(stdout, "STORAGE", "WiredTiger message", "{\"message\":\"[" + i + "] recovery progress, dbpath " + dbpath
          + ", checkpoint and log files checked, nothing to recover for this throwaway instance\"}");
    }
    MongoServer server = new MongoServer(new MemoryBackend());
    server.bind(bind, port);
    log(stdout, "NETWORK", "Waiting for connections", "{\"port\":" + port + ",\"ssl\":\"off\"}");
    while (true) {
      Thread.sleep(100);
      log(stdout, "FTDC", "periodic metrics", "{\"uptimeMillis\":" + System.nanoTime() / 1_000_000 + "}");
    }
  }

  private static void log(PrintStream out, String component, String msg, String attr) {
    out.println("{\"t\":{\"$date\":\"" + Instant.now() + "\"},\"s\":\"I\",\"c\":\"" + component + "\",\"msg\":\""
        + msg + "\",\"attr\":" + attr + "}");
  }

  private static String value(List<String> args, String flag, String dflt) {
    int i = args.indexOf(flag);
    return i >= 0 && i + 1 < args.size() ? args.get(i + 1) : dflt;
  }
}
