package dev.turnout.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;

/**
 * Runs Debian's promtool (package prometheus, installed by scripts/install-test-tools.sh as `make test` does). A required
 * tool: when it is missing the test fails, it never skips.
 */
final class Promtool {
  private Promtool() {}

  static String binary() {
    String env = System.getenv("PROMTOOL_BIN");
    if (env != null && new File(env).canExecute()) {
      return env;
    }
    for (String p : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      File f = new File(p, "promtool");
      if (f.canExecute()) {
        return f.getPath();
      }
    }
    File deb = new File("/usr/bin/promtool");
    if (deb.canExecute()) {
      return deb.getPath();
    }
    return Assertions.fail("promtool not found (run scripts/install-test-tools.sh, as make test does, or set PROMTOOL_BIN)");
  }

  /** Runs {@code promtool args...} in {@code dir}; asserts exit 0 and returns its output. */
  static String run(Path dir, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(binary());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out;
    try (var in = p.getInputStream()) {
      out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("promtool %s finished", args[0]).isTrue();
    assertThat(p.exitValue()).as("promtool %s:%n%s", String.join(" ", args), out).isZero();
    return out;
  }
}
