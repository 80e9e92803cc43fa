package dev.turnout.backup.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.turnout.backup.catalog.BackupCatalog;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The backup agent as the Job runs it: a second entrypoint of the packaged operator (target/quarkus-app), started
 * as its own process with the classpath the image uses, backing up and verifying into a real S3 API (S3Proxy).
 * Runs after `package` (failsafe), so it checks the build that ships.
 */
class AgentEntrypointIT {
  @TempDir Path tmp;

  @Test
  void thePackagedAgentBacksUpAndVerifiesIntoS3() throws Exception {
    Path app = Path.of("target/quarkus-app");
    assertThat(app.resolve("quarkus-run.jar")).as("run after mvn package").exists();
    try (S3TestServer server = new S3TestServer()) {
      String bucket = server.newBucket();
      FakeMongo fake = new FakeMongo(tmp, FakeMongo.deterministicArchive(3, 42));
      String classpath = app.resolve("app") + File.separator + "*" + File.pathSeparator + app.resolve("lib/main") + File.separator + "*";
      ProcessBuilder pb = new ProcessBuilder(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", classpath,
          "dev.turnout.backup.agent.AgentMain", "backup-and-verify");
      Map<String, String> env = pb.environment();
      env.put("MONGODB_URI", "mongodb://backup:s3cr3t@mongo:27017/");
      env.put("AWS_ACCESS_KEY_ID", S3TestServer.ACCESS_KEY);
      env.put("AWS_SECRET_ACCESS_KEY", S3TestServer.SECRET_KEY);
      env.put("S3_ENDPOINT", server.endpoint());
      env.put("S3_REGION", "us-east-1");
      env.put("S3_BUCKET", bucket);
      env.put("S3_PREFIX", "prod/");
      env.put("S3_FORCE_PATH_STYLE", "true");
      env.put("MONGO_SERVER_SELECTION_TIMEOUT_MS", "2000"); // no server at the samples' host: fail fast
      env.put("MONGODUMP", fake.mongodump(-1).toString());
      Path out = tmp.resolve("agent.out");
      pb.redirectErrorStream(true).redirectOutput(out.toFile());
      Process p = pb.start();
      assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("agent finished").isTrue();
      String log = Files.readString(out, StandardCharsets.UTF_8);
      assertThat(p.exitValue()).as(log).isZero();
      assertThat(log).doesNotContain("s3cr3t").doesNotContain(S3TestServer.SECRET_KEY);

      try (S3Client s3 = server.settings(bucket, "prod/").newClient()) {
        List<BackupCatalog.Entry> backups = new BackupCatalog(s3, bucket, "prod/").list();
        assertThat(backups).singleElement().satisfies(e -> {
          assertThat(e.verified()).isTrue();
          assertThat(e.manifest().sizeBytes).isEqualTo(fake.archiveBytes.length);
          try {
            assertThat(e.manifest().sha256).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(fake.archiveBytes)));
          } catch (Exception ex) {
            throw new AssertionError(ex);
          }
        });
      }
    }
  }
}
