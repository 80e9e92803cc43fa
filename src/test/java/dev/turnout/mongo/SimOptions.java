package dev.turnout.mongo;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * Command line of the simulated mongodump/mongorestore (the subset the agent uses, same spelling as mongo-tools:
 * {@code --opt=value} or {@code --opt value}, repeatable --nsInclude/--nsExclude/--nsFrom/--nsTo), plus the tools'
 * stderr log format {@code <time with millis and zone>\t<message>}.
 */
final class SimOptions {
  /** mongo-tools log timestamps look like {@code 2021-06-15T06:28:11.271+0100}. */
  private static final DateTimeFormatter LOG_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSZ");

  String tool;
  String uri;
  String archive; // null: no --archive; "-" or "": stdin/stdout; otherwise a file
  boolean gzip;
  String db;
  String collection;
  final List<String> nsInclude = new ArrayList<>();
  final List<String> nsExclude = new ArrayList<>();
  final List<String> nsFrom = new ArrayList<>();
  final List<String> nsTo = new ArrayList<>();
  boolean drop;
  boolean stopOnError;
  boolean dryRun;
  boolean oplog;
  boolean oplogReplay;
  boolean version;

  static SimOptions parse(String tool, List<String> args) throws IOException {
    SimOptions o = new SimOptions();
    o.tool = tool;
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      String name = a;
      String value = null;
      int eq = a.indexOf('=');
      if (a.startsWith("--") && eq > 0) {
        name = a.substring(0, eq);
        value = a.substring(eq + 1);
      }
      switch (name) {
        case "--gzip" -> o.gzip = true;
        case "--drop" -> o.drop = true;
        case "--stopOnError" -> o.stopOnError = true;
        case "--dryRun" -> o.dryRun = true;
        case "--oplog" -> o.oplog = true;
        case "--oplogReplay" -> o.oplogReplay = true;
        case "--version" -> o.version = true;
        case "--archive" -> o.archive = value == null ? "-" : value;
        case "--config", "--uri", "--db", "-d", "--collection", "-c", "--nsInclude", "--nsExclude", "--nsFrom",
            "--nsTo" -> {
          if (value == null) {
            if (i + 1 >= args.size()) {
              throw new IllegalArgumentException("error parsing command line options: expected argument for flag `" + name + "'");
            }
            value = args.get(++i);
          }
          o.set(name, value);
        }
        default -> throw new IllegalArgumentException("error parsing command line options: unknown option \"" + a + "\"");
      }
    }
    return o;
  }

  private void set(String name, String value) throws IOException {
    switch (name) {
      case "--config" -> uri = readConfigUri(Path.of(value));
      case "--uri" -> uri = value;
      case "--db", "-d" -> db = value;
      case "--collection", "-c" -> collection = value;
      case "--nsInclude" -> nsInclude.add(value);
      case "--nsExclude" -> nsExclude.add(value);
      case "--nsFrom" -> nsFrom.add(value);
      default -> nsTo.add(value);
    }
  }

  /** The YAML file the agent writes ({@code uri: '<uri>'}, single quotes doubled); plain or double-quoted also read. */
  static String readConfigUri(Path file) throws IOException {
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      String l = line.strip();
      if (l.startsWith("uri:")) {
        String v = l.substring(4).strip();
        if (v.length() >= 2 && v.startsWith("'") && v.endsWith("'")) {
          return v.substring(1, v.length() - 1).replace("''", "'");
        }
        if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
          return v.substring(1, v.length() - 1).replace("\\\"", "\"");
        }
        return v;
      }
    }
    throw new IllegalArgumentException("error parsing config file " + file + ": no uri");
  }

  /** One stderr log line as the tools print it. */
  static void log(PrintStream err, String message) {
    err.println(ZonedDateTime.now().format(LOG_TIME) + "\t" + message);
    err.flush();
  }

  static String plural(long n, String one, String many) {
    return n == 1 ? one : many;
  }
}
