package dev.turnout.backup.agent;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs one mongodump/mongorestore/mongod process. The connection string never goes on the command line: it is written
 * to a 0600 YAML file passed as {@code --config=<file>} and deleted when the process is closed. stderr is forwarded
 * (with credentials in URIs redacted), its last line kept for error messages and its per-collection counts parsed.
 */
final class MongoTool implements Closeable {
  /**
   * mongodump's per-collection line. The namespace may hold spaces (legal in collection names), and mongo-tools
   * 100.16.0 (TOOLS-4158) prints it quoted, {@code done dumping `app.users` (5 documents)}: both forms are read, the
   * quotes dropped, anchored at the line's end.
   */
  private static final Pattern DUMP_COUNT = Pattern.compile("done dumping `?(.+?)`? \\((\\d+) documents?\\)\\s*$");
  /**
   * mongorestore's last line, the only place it reports skipped documents in total (issue 11: "Documents that fail to
   * insert ... are skipped and mongorestore exits 0; the only signals are `continuing through error:` lines and the
   * final `N document(s) restored successfully. M document(s) failed to restore.`").
   */
  private static final Pattern RESTORE_SUMMARY =
      Pattern.compile("(\\d+) document\\(s\\) restored successfully\\. (\\d+) document\\(s\\) failed to restore");
  private static final String CONTINUING = "continuing through error: ";

  private final Process process;
  private final Path configFile;
  private final Thread stderrPump;
  private final Map<String, Long> counts = new LinkedHashMap<>();
  private long[] restoreSummary;
  private int continuedErrors;
  private String firstContinuedError;
  private volatile String lastStderrLine = "";
  private final String name;

  private MongoTool(String name, Process process, Path configFile, PrintStream log, String secret, boolean merged) {
    this.name = name;
    this.process = process;
    this.configFile = configFile;
    dev.turnout.common.Redactor redactor = dev.turnout.common.Redactor.of(secret == null ? List.of() : List.of(secret));
    this.stderrPump =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(new InputStreamReader(
                      merged ? process.getInputStream() : process.getErrorStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                  String safe = redactor.redact(line);
                  if (!safe.isBlank()) {
                    lastStderrLine = safe.strip();
                  }
                  parseCount(safe);
                  log.println(name + ": " + safe);
                }
              } catch (IOException e) {
                // process gone
              }
            },
            name + "-stderr");
    stderrPump.setDaemon(true);
    stderrPump.start();
  }

  /**
   * Starts {@code binary --config=<0600 file with uri> args...}, or without --config when uri is null.
   *
   * @throws AgentException when the binary cannot be started
   */
  static MongoTool start(String binary, String uri, List<String> args, PrintStream log) {
    return start(binary, uri, args, log, false);
  }

  /**
   * A server process (mongod): its stdout is its log, read with stderr so the pipe never fills. A mongod whose stdout
   * nobody reads blocks on its next log line once the 64 KiB pipe buffer is full (issue 11, item 5: RestoreTest hung).
   */
  static MongoTool startServer(String binary, List<String> args, PrintStream log) {
    return start(binary, null, args, log, true);
  }

  private static MongoTool start(String binary, String uri, List<String> args, PrintStream log, boolean merged) {
    Path cfg = null;
    try {
      List<String> cmd = new ArrayList<>();
      cmd.add(binary);
      if (uri != null) {
        cfg = writeConfig(uri);
        cmd.add("--config=" + cfg);
      }
      cmd.addAll(args);
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(merged);
      Process p = pb.start();
      return new MongoTool(Path.of(binary).getFileName().toString(), p, cfg, log, uri, merged);
    } catch (IOException e) {
      deleteQuietly(cfg);
      throw new AgentException(
          binary + " could not be started (" + e.getMessage() + "): is it installed in the agent image?");
    }
  }

  /** First line of {@code <binary> --version}. */
  static String version(String binary) {
    try {
      Process p = new ProcessBuilder(binary, "--version").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new AgentException(binary + " --version failed: " + out.strip());
      }
      return out.lines().findFirst().orElse("").strip();
    } catch (IOException e) {
      throw new AgentException(
          binary + " could not be started (" + e.getMessage() + "): is it installed in the agent image?");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AgentException("interrupted");
    }
  }

  Process process() {
    return process;
  }

  /** Waits for the process and for its stderr to be fully read. */
  int waitFor() {
    try {
      int rc = process.waitFor();
      stderrPump.join(10_000);
      return rc;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
      throw new AgentException(name + " interrupted");
    }
  }

  String lastStderrLine() {
    return lastStderrLine;
  }

  synchronized Map<String, Long> counts() {
    return new LinkedHashMap<>(counts);
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroy();
      try {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroyForcibly();
      }
    }
    deleteQuietly(configFile);
  }

  /** mongorestore's final {restored, failed} counts, or null when it printed no summary. */
  synchronized long[] restoreSummary() {
    return restoreSummary == null ? null : restoreSummary.clone();
  }

  /** How many {@code continuing through error:} lines mongorestore printed, and the first of them. */
  synchronized int continuedErrors() {
    return continuedErrors;
  }

  synchronized String firstContinuedError() {
    return firstContinuedError;
  }

  private synchronized void parseCount(String line) {
    int c = line.indexOf(CONTINUING);
    if (c >= 0) {
      if (continuedErrors++ == 0) {
        firstContinuedError = line.substring(c + CONTINUING.length()).strip();
      }
      return;
    }
    Matcher s = RESTORE_SUMMARY.matcher(line);
    if (s.find()) {
      restoreSummary = new long[] {Long.parseLong(s.group(1)), Long.parseLong(s.group(2))};
      return;
    }
    Matcher m = DUMP_COUNT.matcher(line);
    if (m.find()) {
      counts.put(m.group(1), Long.parseLong(m.group(2)));
    }
  }

  /**
   * The line with the connection string masked in every form the tools echo it (whole, its password raw, decoded or
   * URL-encoded, or any URI's password): see {@link dev.turnout.common.Redactor}. AgentMain also masks everything the
   * agent prints, with the S3 keys.
   */
  static String redact(String line, String secret) {
    return dev.turnout.common.Redactor.of(secret == null ? List.of() : List.of(secret)).redact(line);
  }

  /** YAML {@code uri: '<uri>'} in a new 0600 file in java.io.tmpdir. */
  static Path writeConfig(String uri) throws IOException {
    Path f =
        Files.createTempFile(
            "turnout-mongo-", ".yaml", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(f, "uri: '" + uri.replace("'", "''") + "'\n", StandardCharsets.UTF_8);
    return f;
  }

  private static void deleteQuietly(Path p) {
    if (p != null) {
      try {
        Files.deleteIfExists(p);
      } catch (IOException e) {
        // best effort
      }
    }
  }
}
