package dev.turnout.mongo;

import dev.turnout.mongo.SimConnection.ToolFailure;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Entry point of the simulated mongo-tools, one process per run as the agent starts the real ones:
 * {@code MongoToolsSim mongodump|mongorestore <args...>} (see {@link MongoToolScripts}). The real tools cannot be had
 * on this machine (mongo-tools is neither on the Go module proxy nor in Debian); issue 11 asks that where a tool cannot
 * be had "the fake reproduces every fact above, each with a comment citing it", and MongoToolsSimFactsTest pins them.
 * It talks over the wire protocol (MongoDB Java driver) to whatever server the URI names, normally a
 * {@link MongoServerFixture}.
 *
 * <p>stdout carries only the archive (mongodump) or the --version text; everything else goes to stderr as
 * {@code <time>\t<message>} lines, as the real tools log.
 */
public final class MongoToolsSim {
  public static final String VERSION = "100.11.0-sim";

  private MongoToolsSim() {}

  public static void main(String[] args) {
    // The archive owns stdout: anything else that prints (a library) goes to stderr.
    OutputStream stdout = new FileOutputStream(FileDescriptor.out);
    System.setOut(System.err);
    Logger root = Logger.getLogger("");
    root.setLevel(Level.OFF);
    Arrays.stream(root.getHandlers()).forEach(h -> h.setLevel(Level.OFF));
    int rc;
    try {
      rc = run(args, stdout, System.err);
    } catch (RuntimeException | Error e) {
      e.printStackTrace(System.err);
      rc = 1;
    }
    System.err.flush();
    Runtime.getRuntime().halt(rc); // no shutdown hooks: driver threads must not hold the process
  }

  static int run(String[] args, OutputStream stdout, PrintStream err) {
    if (args.length > 0 && args[0].equals("mongod")) {
      try {
        return SimMongod.run(List.of(args).subList(1, args.length), new PrintStream(stdout, true, StandardCharsets.UTF_8));
      } catch (InterruptedException e) {
        return 0;
      }
    }
    if (args.length == 0 || !(args[0].equals("mongodump") || args[0].equals("mongorestore"))) {
      err.println("usage: MongoToolsSim mongodump|mongorestore <args...>");
      return 2;
    }
    String tool = args[0];
    SimOptions opts;
    try {
      opts = SimOptions.parse(tool, List.of(args).subList(1, args.length));
    } catch (IllegalArgumentException | IOException e) {
      SimOptions.log(err, e.getMessage());
      SimOptions.log(err, "try '" + tool + " --help' for more information");
      return 1; // the tools' main exits with ExitFailure on option errors
    }
    if (opts.version) {
      try {
        stdout.write((tool + " version: " + VERSION + "\ngit version: simulated\nGo version: none (JVM simulation)\n"
                + "   os: linux\n   arch: amd64\n   compiler: none\n").getBytes(StandardCharsets.UTF_8));
        stdout.flush();
      } catch (IOException e) {
        return 1;
      }
      return 0;
    }
    if (tool.equals("mongodump")) {
      try {
        return new SimDump(opts, err).run(stdout);
      } catch (ToolFailure e) {
        SimOptions.log(err, "Failed: " + e.getMessage());
        return 1;
      } catch (IOException e) {
        SimOptions.log(err, "Failed: error writing data: " + e.getMessage());
        return 1;
      }
    }
    SimRestore restore = new SimRestore(opts, err);
    int rc;
    try {
      rc = restore.run(System.in);
    } catch (ToolFailure e) {
      SimOptions.log(err, (e.getMessage().startsWith("error connecting to host: ") ? "" : "Failed: ") + e.getMessage());
      if (e.getMessage().startsWith("error connecting to host: ")) {
        return 1; // mongorestore's main exits before its summary line when it cannot connect
      }
      rc = 1;
    } catch (IOException e) {
      SimOptions.log(err, "Failed: " + e.getMessage());
      rc = 1;
    }
    // mongorestore prints this line whether it failed or not (issue 11 quotes it as the only signal of failures).
    SimOptions.log(err, restore.successes + " document(s) restored successfully. " + restore.failures
        + " document(s) failed to restore.");
    return rc;
  }
}
