package dev.turnout.mongo;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One run of an installed simulated tool as the agent runs the real ones (MongoTool): the URI in a 0600 YAML file
 * passed as {@code --config=<file>}, the archive on stdin/stdout, log lines on stderr.
 */
record ToolRun(int exit, byte[] stdout, List<String> stderr, long millis) {

  static ToolRun run(Path exe, String uri, byte[] stdin, Map<String, String> env, List<String> args)
      throws IOException, InterruptedException {
    Path dir = exe.getParent();
    Path cfg = Files.createTempFile(dir, "cfg-", ".yaml",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Path errFile = Files.createTempFile(dir, "stderr-", ".txt");
    try {
      Files.writeString(cfg, "uri: '" + uri.replace("'", "''") + "'\n", StandardCharsets.UTF_8);
      List<String> cmd = new ArrayList<>(List.of(exe.toString(), "--config=" + cfg));
      cmd.addAll(args);
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(errFile.toFile());
      pb.environment().putAll(env);
      long t0 = System.nanoTime();
      Process p = pb.start();
      Thread feeder = new Thread(() -> feed(p.getOutputStream(), stdin), "sim-stdin");
      feeder.start();
      byte[] out;
      try (InputStream in = p.getInputStream()) {
        out = in.readAllBytes();
      }
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError(exe.getFileName() + " did not end within 120 s");
      }
      feeder.join(10_000);
      long ms = (System.nanoTime() - t0) / 1_000_000;
      return new ToolRun(p.exitValue(), out, Files.readAllLines(errFile, StandardCharsets.UTF_8), ms);
    } finally {
      Files.deleteIfExists(cfg);
      Files.deleteIfExists(errFile);
    }
  }

  private static void feed(OutputStream os, byte[] stdin) {
    try (os) {
      if (stdin != null) {
        os.write(stdin);
      }
    } catch (IOException e) {
      // the tool stopped reading (it failed early): its exit code and stderr say why
    }
  }

  /** The message parts of the stderr lines ({@code <time>\t<message>}); lines without a tab as they are. */
  List<String> messages() {
    return stderr.stream().map(l -> l.contains("\t") ? l.substring(l.indexOf('\t') + 1) : l).toList();
  }

  boolean logged(String fragment) {
    return messages().stream().anyMatch(m -> m.contains(fragment));
  }

  long count(String fragment) {
    return messages().stream().filter(m -> m.contains(fragment)).count();
  }

  String describe() {
    return "exit " + exit + ", " + stdout.length + " bytes on stdout, stderr:\n  " + String.join("\n  ", stderr);
  }
}
