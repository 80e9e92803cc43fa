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

  static BackupManifest owned(String key, String ns, String name) {
    BackupManifest m = manifest(key, true);
    m.owner = new BackupManifest.Owner(ns, name, name + "-uid");
    return m;
  }

  /**
   * Issue 11 item 7: a catalog scoped to a DatabaseBackup sees only the backups whose manifest names it (by namespace
   * and name, whatever the uid: a recreated DatabaseBackup adopts them); backups without an owner belong to nobody; an
   * unscoped "latest" across several owners is refused, naming them.
   */
  @Test
  void ownerScopedCatalogSeesOnlyItsOwnBackupsAndLatestAcrossOwnersIsRefused() {
    String bucket = server.newBucket();
    try (S3Client s3 = server.settings(bucket, "prod/").newClient()) {
      BackupCatalog all = new BackupCatalog(s3, bucket, "prod/");
      String a1 = "prod/2026-11-20T03-00-00Z.archive.gz";
      String b1 = "prod/2026-11-21T03-00-00Z.archive.gz";
      String none = "prod/2026-11-22T03-00-00Z.archive.gz";
      for (String k : List.of(a1, b1, none)) {
        put(s3, bucket, k, new byte[] {1, 2, 3});
      }
      all.writeManifest(owned(a1, "shop", "mongo"));
      all.writeManifest(owned(b1, "other", "mongo")); // same name, other namespace: another owner
      all.writeManifest(manifest(none, true)); // an older agent's: no owner

      BackupCatalog a = new BackupCatalog(s3, bucket, "prod/", new BackupManifest.Owner("shop", "mongo", "a-new-uid"));
      assertThat(a.list()).extracting(BackupCatalog.Entry::archiveKey).containsExactly(a1);
      assertThat(a.resolve("latest")).isEqualTo(a1);
      assertThat(a.listAll()).hasSize(3);
      BackupCatalog nobody = new BackupCatalog(s3, bucket, "prod/", new BackupManifest.Owner("shop", "gone", null));
      assertThatThrownBy(() -> nobody.resolve("latest")).hasMessageContaining("no verified backup of DatabaseBackup shop/gone");
      assertThatThrownBy(() -> all.resolve("latest"))
          .isInstanceOf(BackupCatalog.AmbiguousLatestException.class)
          .hasMessageContaining("DatabaseBackup shop/mongo")
          .hasMessageContaining("DatabaseBackup other/mongo")
          .hasMessageContaining("no owner");
      // an explicit key is the user's choice, whoever wrote it
      assertThat(a.resolve("2026-11-21T03-00-00Z.archive.gz")).isEqualTo(b1);
    }
  }

  /** Issue 11 item 9: incomplete uploads of archive keys directly under the prefix are listed and can be aborted. */
  @Test
  void incompleteUploadsOfArchiveKeysUnderThePrefixAreListedAndAborted() {
    String bucket = server.newBucket();
    try (S3Client s3 = server.settings(bucket, "prod/").newClient()) {
      BackupCatalog c = new BackupCatalog(s3, bucket, "prod/");
      String ours = "prod/2026-11-20T03-00-00Z.archive.gz";
      String id = s3.createMultipartUpload(b -> b.bucket(bucket).key(ours)).uploadId();
      for (String foreign : List.of("prod/big-file.bin", "prod/sub/2026-11-20T03-00-00Z.archive.gz", "staging/2026-11-20T03-00-00Z.archive.gz")) {
        s3.createMultipartUpload(b -> b.bucket(bucket).key(foreign));
      }
      List<BackupCatalog.Upload> uploads = c.incompleteUploads();
      assertThat(uploads).singleElement().satisfies(u -> {
        assertThat(u.key()).isEqualTo(ours);
        assertThat(u.uploadId()).isEqualTo(id);
        assertThat(u.initiated()).isNotNull();
        assertThat(u.listedAt()).as("S3's Date").isNotNull();
      });
      c.abort(uploads.get(0));
      assertThat(c.incompleteUploads()).isEmpty();
      assertThat(s3.listMultipartUploads(b -> b.bucket(bucket)).uploads()).hasSize(3);
      assertThatThrownBy(() -> c.abort(new BackupCatalog.Upload("prod/big-file.bin", "x", Instant.now(), null)))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }
}
