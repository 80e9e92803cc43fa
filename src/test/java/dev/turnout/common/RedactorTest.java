package dev.turnout.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 11 item 13: the tools echo the connection string with its password on authentication errors (and sometimes the
 * password alone, decoded or URL-encoded); no form of a secret survives the agent's masking, and any URI's password is
 * masked by the operator too.
 */
class RedactorTest {
  static final String SRV_URI = "mongodb+srv://backup:p%40ss%2Fw0rd-Secret@cluster0.example.net/?authSource=admin";
  static final String PLAIN_URI = "mongodb://backup:Mongo-Pa55-secret@mongo-0.mongo:27017,mongo-1.mongo:27017/app?replicaSet=rs0";
  static final String S3_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  static final Redactor AGENT = Redactor.forAgentEnv(Map.of(
      "MONGODB_URI", SRV_URI, "AWS_SECRET_ACCESS_KEY", S3_SECRET, "AWS_ACCESS_KEY_ID", "AKIAEXAMPLEKEYID"));
  static final Redactor PLAIN = Redactor.of(List.of(PLAIN_URI));

  static Stream<Arguments> lines() {
    return Stream.of(
        // what the tools print (issue 11: "Authentication errors echo the URI with its password unmasked")
        Arguments.of("mongodb+srv URI echoed", AGENT,
            "Failed: can't create session: failed to connect to " + SRV_URI, "p%40ss%2Fw0rd-Secret",
            "backup:***@cluster0.example.net"),
        Arguments.of("URL-decoded password inside a URI", AGENT,
            "error connecting to mongodb+srv://backup:p@ss/w0rd-Secret@cluster0.example.net", "p@ss/w0rd-Secret", null),
        Arguments.of("decoded password without the URI", AGENT,
            "auth error: sasl conversation error: password 'p@ss/w0rd-Secret' rejected for user backup", "p@ss/w0rd-Secret",
            "password '***' rejected"),
        Arguments.of("URL-encoded password without the URI", AGENT,
            "bad password p%40ss%2Fw0rd-Secret", "p%40ss%2Fw0rd-Secret", "bad password ***"),
        Arguments.of("JSON-escaped in the agent's result", Redactor.of(List.of("mongodb://u:pa\"ss\\word@h/")),
            "{\"error\":\"mongodb://u:pa\\\"ss\\\\word@h/ refused\"}", "pa\\\"ss", null),
        Arguments.of("S3 secret key", AGENT,
            "The request signature we calculated does not match (secret " + S3_SECRET + ")", S3_SECRET, "(secret ***)"),
        Arguments.of("S3 secret key URL-encoded", AGENT,
            "X-Amz-Credential=wJalrXUtnFEMI%2FK7MDENG%2FbPxRfiCYEXAMPLEKEY", "EXAMPLEKEY", null),
        Arguments.of("replica set URI with hosts and options", PLAIN,
            "Failed: error connecting to db server: " + PLAIN_URI, "Mongo-Pa55-secret", "backup:***@mongo-0.mongo:27017,mongo-1"),
        Arguments.of("password alone, plain URI's", PLAIN, "SCRAM failed: Mongo-Pa55-secret", "Mongo-Pa55-secret", "SCRAM failed: ***"),
        // the operator: no known secrets, URI pattern only
        Arguments.of("unknown URI, operator side", Redactor.of(List.of()),
            "Job failed: mongodb://admin:hunter2@10.0.0.1:27017/admin", "hunter2", "mongodb://admin:***@10.0.0.1"),
        Arguments.of("unknown https URI with token", Redactor.of(List.of()),
            "GET https://ghp_abcdef1234@example.com/x failed", "ghp_abcdef1234", "https://***@example.com/x"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("lines")
  void noFormOfASecretSurvives(String name, Redactor redactor, String line, String secret, String expected) {
    String out = redactor.redact(line);
    assertThat(out).as(name).doesNotContain(secret);
    if (expected != null) {
      assertThat(out).as(name).contains(expected);
    }
    assertThat(redactor.redact(out)).as("idempotent: %s", name).isEqualTo(out);
  }

  @Test
  void textWithoutSecretsIsUnchanged() {
    String line = "2026-11-20T03:00:01.000+0000\tdone dumping app.items (1000 documents) to mongodb://mongo:27017/app";
    assertThat(AGENT.redact(line)).isEqualTo(line);
    assertThat(Redactor.uriCredentials("user@example.com wrote 3 bytes")).isEqualTo("user@example.com wrote 3 bytes");
  }

  @Test
  void aWrappedStreamMasksLinesWrittenInPieces() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = AGENT.wrap(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    out.print("mongodump: error: password p@ss/w0");
    out.flush(); // a secret split across writes is not let through by a flush
    out.print("rd-Secret rejected\nlast line without newline " + S3_SECRET);
    out.close();
    String text = bytes.toString(StandardCharsets.UTF_8);
    assertThat(text).doesNotContain("w0rd-Secret").doesNotContain(S3_SECRET)
        .isEqualTo("mongodump: error: password *** rejected\nlast line without newline ***");
  }
}
