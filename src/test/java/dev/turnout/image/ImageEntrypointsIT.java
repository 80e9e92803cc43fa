package dev.turnout.image;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.turnout.backup.BackupJobFactory;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No image can be built here (no Docker), so this checks what the Dockerfile promises against the build that would go
 * into it: the final stage's COPY maps container paths onto target/quarkus-app; the ENTRYPOINT (the operator) and the
 * Job templates' default command (the backup agent) both name paths that exist there, and both start from them and
 * answer (the operator in OperatorRestartIT, which runs the ENTRYPOINT's jar). Also: base images pinned by digest, a numeric non-root USER, the MongoDB tools pinned by version.
 */
public class ImageEntrypointsIT {
  static final Path DOCKERFILE = Path.of("Dockerfile");
  static final Path BUILD = Path.of("target/quarkus-app");

  @TempDir Path tmp;

  record Image(List<String> from, Map<String, Path> copies, List<String> entrypoint, String user, List<String> run) {}

  static Image parse() throws Exception {
    List<String> lines = new ArrayList<>();
    StringBuilder cont = new StringBuilder();
    for (String raw : Files.readAllLines(DOCKERFILE, StandardCharsets.UTF_8)) {
      if (raw.isBlank() || raw.stripLeading().startsWith("#")) {
        continue;
      }
      if (raw.endsWith("\\")) {
        cont.append(raw, 0, raw.length() - 1).append(' ');
        continue;
      }
      lines.add(cont.append(raw).toString().strip());
      cont.setLength(0);
    }
    List<String> from = new ArrayList<>();
    Map<String, Path> copies = new LinkedHashMap<>();
    List<String> entrypoint = null;
    String user = null;
    List<String> run = new ArrayList<>();
    Pattern copyFromBuild = Pattern.compile("^COPY --from=build (?:--chown=\\S+ )?/build/(\\S+?)/? (\\S+?)/?$");
    for (String l : lines) {
      if (l.startsWith("FROM ")) {
        from.add(l.substring(5).strip());
        copies.clear(); // only the final stage's copies end up in the image
      } else if (l.startsWith("COPY --from=build")) {
        Matcher m = copyFromBuild.matcher(l);
        assertThat(m.matches()).as("COPY from the build stage: %s", l).isTrue();
        copies.put(m.group(2), Path.of(m.group(1)));
      } else if (l.startsWith("ENTRYPOINT ")) {
        entrypoint = List.of(new ObjectMapper().readValue(l.substring(11), String[].class));
      } else if (l.startsWith("USER ")) {
        user = l.substring(5).strip();
      } else if (l.startsWith("RUN ")) {
        run.add(l.substring(4));
      }
    }
    return new Image(from, copies, entrypoint, user, run);
  }

  /** A path in the image, where the build output holds it. */
  static Path inBuild(Image image, String containerPath) {
    for (Map.Entry<String, Path> copy : image.copies().entrySet()) {
      if (containerPath.equals(copy.getKey()) || containerPath.startsWith(copy.getKey() + "/")) {
        return copy.getValue().resolve(containerPath.substring(copy.getKey().length()).replaceFirst("^/", ""));
      }
    }
    throw new AssertionError(containerPath + " is not copied into the image by the Dockerfile's final stage");
  }

  @Test
  void baseImagesArePinnedByDigestAndTheUserIsNumericAndNotRoot() throws Exception {
    Image image = parse();
    assertThat(image.from()).isNotEmpty().allSatisfy(f -> assertThat(f).matches("\\S+:\\S+@sha256:[0-9a-f]{64}( AS \\S+)?"));
    assertThat(image.user()).as("numeric, for runAsNonRoot").matches("[1-9][0-9]*");
    assertThat(String.join("\n", image.run()))
        .as("the MongoDB tools at a pinned version")
        .contains("\"mongodb-database-tools=${MONGODB_TOOLS_VERSION}\"")
        .contains("\"mongodb-org-server=${MONGODB_SERVER_VERSION}\"");
    assertThat(Files.readString(DOCKERFILE)).containsPattern("ARG MONGODB_TOOLS_VERSION=100\\.\\d+\\.\\d+");
    // the chart's default backup image is the operator image: the Job templates run the same image
    assertThat(Files.readString(Path.of("helm/turnout/templates/deployment.yaml")))
        .contains("default (include \"turnout.image\" .) .Values.backupImage");
  }

  /**
   * The operator: ENTRYPOINT is {@code java -jar <path>} and the path is the build's quarkus-run.jar.
   * OperatorRestartIT starts the operator from exactly this path ({@link #operatorJar()}) and waits for its readiness
   * probe, so starting it a second time here would only cost time.
   */
  @Test
  void theOperatorEntrypointIsTheBuildsRunnableJar() throws Exception {
    assertThat(operatorJar()).as("run after mvn package").exists().isEqualTo(BUILD.resolve("quarkus-run.jar"));
  }

  /** The jar the image's ENTRYPOINT runs, where the build output holds it. */
  public static Path operatorJar() throws Exception {
    Image image = parse();
    assertThat(image.entrypoint()).hasSize(3).startsWith("java", "-jar");
    return inBuild(image, image.entrypoint().get(2));
  }

  @Test
  void theAgentCommandOfTheJobTemplatesStartsFromTheBuildAndAnswers() throws Exception {
    Image image = parse();
    List<String> command = BackupJobFactory.Settings.DEFAULT_COMMAND;
    assertThat(command.get(0)).isEqualTo("java");
    assertThat(command.get(1)).isEqualTo("-cp");
    List<String> classpath = new ArrayList<>();
    for (String entry : command.get(2).split(":")) {
      assertThat(entry).endsWith("/*");
      Path dir = inBuild(image, entry.substring(0, entry.length() - 2));
      assertThat(dir).as("%s in the build output", entry).isDirectory();
      classpath.add(dir + File.separator + "*");
    }
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
        String.join(File.pathSeparator, classpath), command.get(3)));
    // no subcommand: the agent answers with its usage and exit code 2 (bad usage), without touching anything
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().clear();
    Path out = tmp.resolve("agent.out");
    Process p = pb.redirectOutput(out.toFile()).start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String log = Files.readString(out);
    assertThat(p.exitValue()).as(log).isEqualTo(BackupJobFactory.EXIT_BAD_SETTINGS);
    assertThat(log).contains("usage: AgentMain backup|verify");
  }
}
