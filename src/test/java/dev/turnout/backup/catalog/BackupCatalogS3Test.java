package dev.turnout.backup.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.turnout.backup.agent.S3TestServer;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

class BackupCatalogS3Test {
  static S3TestServer server;

  @BeforeAll
  static void start() throws Exception {
    server = new S3TestServer();
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  static void put(S3Client s3, String bucket, String key, byte[] body) {
    s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(body));
  }

  static BackupManifest manifest(String key, boolean verified) {
    BackupManifest m = new BackupManifest();
    m.object = key;
    m.sizeBytes = 3;
    m.sha256 = "ab";
    m.verified = verified ? Boolean.TRUE : null;
    return m;
  }

  @Test
  void listsOnlyTurnoutLayoutAndDeletesWholeBackups() {
    String bucket = server.newBucket();
    try (S3Client s3 = server.settings(bucket, "prod/").newClient()) {
      BackupCatalog c = new BackupCatalog(s3, bucket, "prod/");
      String a = "prod/2026-11-20T03-00-00Z.archive.gz";
      String b = "prod/2026-11-21T03-00-00Z.archive.gz";
      put(s3, bucket, a, new byte[] {1, 2, 3});
      c.writeManifest(manifest(a, true));
      put(s3, bucket, BackupKeys.verifiedKeyForArchive(a), "{}".getBytes());
      put(s3, bucket, b, new byte[] {1, 2, 3});
      c.writeManifest(manifest(b, false));
      put(s3, bucket, "prod/2026-11-22T03-00-00Z.archive.gz", new byte[] {1}); // orphan: no manifest
      // not Turnout's: must be neither listed nor deletable
      for (String foreign :
          List.of(
              "prod/notes.txt",
              "prod/2026-11-19T03-00-00Z.archive.gz.bak",
              "prod/2026-13-45T03-00-00Z.archive.gz",
              "prod/2026-11-19T03-00-00Z.manifest.json.old",
              "prod/sub/2026-11-19T03-00-00Z.archive.gz",
              "prod/sub/2026-11-19T03-00-00Z.manifest.json",
              "staging/2026-11-19T03-00-00Z.archive.gz",
              "prod/2026-11-19T03-00-00Z.manifest.json")) { // a manifest-named object that is not JSON
        put(s3, bucket, foreign, "x".getBytes());
      }

      assertThat(c.list()).extracting(BackupCatalog.Entry::archiveKey).containsExactly(b, a);
      assertThat(c.list().get(1).time()).isEqualTo(Instant.parse("2026-11-20T03:00:00Z"));
      assertThat(c.latestVerified().orElseThrow().archiveKey()).isEqualTo(a);
      assertThat(c.orphanArchives()).containsExactly("prod/2026-11-22T03-00-00Z.archive.gz");
      assertThat(c.resolve("latest")).isEqualTo(a);
      assertThat(c.resolve("2026-11-21T03-00-00Z.archive.gz")).isEqualTo(b);
      assertThatThrownBy(() -> c.resolve("prod/notes.txt")).hasMessageContaining("not a Turnout backup archive");
      assertThatThrownBy(() -> c.delete("prod/notes.txt")).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> c.delete("prod/sub/2026-11-19T03-00-00Z.archive.gz"))
          .isInstanceOf(IllegalArgumentException.class);

      c.delete(a);
      List<String> left = s3.listObjectsV2(x -> x.bucket(bucket)).contents().stream().map(S3Object::key).toList();
      assertThat(left).doesNotContain(a, BackupKeys.manifestKeyForArchive(a), BackupKeys.verifiedKeyForArchive(a));
      assertThat(left).contains(b, "prod/notes.txt", "prod/sub/2026-11-19T03-00-00Z.archive.gz", "staging/2026-11-19T03-00-00Z.archive.gz");
      assertThat(c.latestVerified()).isEmpty();
    }
  }

  @Test
  void keyLayout() {
    Instant t = Instant.parse("2026-11-20T03:00:00.750Z");
    assertThat(BackupKeys.archiveKey("prod/", t)).isEqualTo("prod/2026-11-20T03-00-00Z.archive.gz");
    assertThat(BackupKeys.manifestKeyForArchive("prod/2026-11-20T03-00-00Z.archive.gz"))
        .isEqualTo("prod/2026-11-20T03-00-00Z.manifest.json");
    assertThat(BackupKeys.isArchiveKey("", "2026-11-20T03-00-00Z.archive.gz")).isTrue();
    assertThat(BackupKeys.isArchiveKey("", "x/2026-11-20T03-00-00Z.archive.gz")).isFalse();
    assertThat(BackupKeys.timeOf("prod/", "prod/2026-11-20T03-00-00Z.manifest.json"))
        .contains(Instant.parse("2026-11-20T03:00:00Z"));
  }
}
