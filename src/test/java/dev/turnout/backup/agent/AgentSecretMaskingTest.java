package dev.turnout.backup.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11 item 13: mongodump echoes the URI with its password on authentication errors (and the password alone,
 * decoded or URL-encoded); neither the agent's forwarded stderr nor its JSON result carries any form of it, nor the
 * S3 secret key.
 */
class AgentSecretMaskingTest {
  static final String URI = "mongodb+srv://backup:p%40ss%2Fw0rd-Secret@cluster0.example.net/?authSource=admin";
  static S3TestServer server;

  @TempDir Path tmp;

  @BeforeAll
  static void startS3() throws Exception {
    server = new S3TestServer();
  }

  @AfterAll
  static void stopS3() throws Exception {
    server.close();
  }

  @Test
  void anAuthenticationErrorEchoingThePasswordReachesNoOutput() throws Exception {
    Path dump = tmp.resolve("mongodump");
    // single-quoted shell strings: the script prints them exactly as a real tool would echo them
    Files.writeString(dump, String.join("\n",
        "#!/bin/sh",
        "case \"$1\" in --version) echo 'mongodump version: 100.10.0-fake'; exit 0 ;; esac",
        "echo 'Failed: can'\\''t create session: failed to connect to " + URI + ": auth error' >&2",
        "echo 'sasl conversation error: password p@ss/w0rd-Secret rejected (p%40ss%2Fw0rd-Secret)' >&2",
        "printf 'signing with " + S3TestServer.SECRET_KEY + "' >&2",
        "exit 1", ""), StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(dump, PosixFilePermissions.fromString("rwx------"));
    String bucket = server.newBucket();
    Map<String, String> env = new HashMap<>();
    env.put("MONGO_SERVER_SELECTION_TIMEOUT_MS", "1000"); // nothing listens there: the topology question fails fast
    env.put("MONGODB_URI", URI);
    env.put("AWS_ACCESS_KEY_ID", S3TestServer.ACCESS_KEY);
    env.put("AWS_SECRET_ACCESS_KEY", S3TestServer.SECRET_KEY);
    env.put("S3_ENDPOINT", server.endpoint());
    env.put("S3_BUCKET", bucket);
    env.put("S3_PREFIX", "prod/");
    env.put("S3_FORCE_PATH_STYLE", "true");
    env.put("MONGODUMP", dump.toString());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int rc = AgentMain.run(new String[] {"backup"}, env, Clock.systemUTC(), new PrintStream(out, true), new PrintStream(err, true));
    String stdout = out.toString(StandardCharsets.UTF_8);
    String all = stdout + err.toString(StandardCharsets.UTF_8);
    assertThat(rc).as(all).isEqualTo(1);
    for (String secret : List.of("p@ss/w0rd-Secret", "p%40ss%2Fw0rd-Secret", "w0rd-Secret", S3TestServer.SECRET_KEY)) {
      assertThat(all).as("output masks %s", secret).doesNotContain(secret);
    }
    assertThat(all).as("the rest stays readable").contains("backup:***@cluster0.example.net").contains("password *** rejected");
    List<String> lines = stdout.lines().toList();
    var result = new ObjectMapper().readTree(lines.get(lines.size() - 1));
    assertThat(result.path("ok").asBoolean(true)).isFalse();
    assertThat(result.path("error").asText()).contains("mongodump exited 1").doesNotContain("w0rd-Secret");
  }
}
