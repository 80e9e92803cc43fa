package dev.turnout.backup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.turnout.backup.agent.S3TestServer;
import dev.turnout.backup.catalog.BackupCatalog;
import dev.turnout.backup.catalog.BackupKeys;
import dev.turnout.backup.catalog.BackupManifest;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/** One storage pass of a DatabaseBackup (retention and stale uploads) against S3Proxy: issue 11 items 7 and 9. */
class StoragePassS3Test {
  static final BackupManifest.Owner A = new BackupManifest.Owner("shop", "mongo-a", "uid-a");
  static final BackupManifest.Owner B = new BackupManifest.Owner("shop", "mongo-b", "uid-b");
  static final Instant DAY0 = Instant.parse("2026-11-01T03:00:00Z");
  static S3TestServer server;

  @BeforeAll
  static void start() throws Exception {
    server = new S3TestServer();
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  static String backup(S3Client s3, String bucket, Instant t, BackupManifest.Owner owner) {
    String key = BackupKeys.archiveKey("prod/", t);
    s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(new byte[] {1}));
    BackupManifest m = new BackupManifest();
    m.object = key;
    m.sizeBytes = 1;
    m.sha256 = "00";
    m.startedAt = t.toString();
    m.completedAt = t.toString();
    m.verified = true;
    m.owner = owner;
    new BackupCatalog(s3, bucket, "prod/").writeManifest(m);
    return key;
  }

  static StoragePass.Inputs inputs(String previousVerified, String uid, Instant now) {
    return new StoragePass.Inputs(previousVerified, uid, ZoneOffset.UTC, 1, 0, 0, now, Duration.ofHours(3), Set.of());
  }

  static List<String> archives(S3Client s3, String bucket) {
    return s3.listObjectsV2(b -> b.bucket(bucket)).contents().stream().map(S3Object::key)
        .filter(k -> k.endsWith(".archive.gz")).sorted().toList();
  }

  /**
   * Two DatabaseBackups on one prefix: each one's retention (daily 1) keeps its own newest and never deletes the
   * other's, nor a backup without an owner. The first read of backups a DatabaseBackup did not write itself (a new
   * one pointed at a bucket that has backups, or one recreated under the same name) prunes nothing.
   */
  @Test
  void retentionOnASharedPrefixPrunesOnlyItsOwnAndNeverOnTheFirstRead() {
    String bucket = server.newBucket();
    try (S3Client s3 = server.settings(bucket, "prod/").newClient()) {
      String none = backup(s3, bucket, DAY0.minus(Duration.ofDays(30)), null);
      String a1 = backup(s3, bucket, DAY0, A);
      String b1 = backup(s3, bucket, DAY0.plusSeconds(60), B);
      String a2 = backup(s3, bucket, DAY0.plus(Duration.ofDays(1)), A);
      String b2 = backup(s3, bucket, DAY0.plus(Duration.ofDays(1)).plusSeconds(60), B);
      Instant now = DAY0.plus(Duration.ofDays(2));

      // recreated under A's name (new uid), first read: A's backups are adopted and listed, nothing is pruned
      BackupCatalog adopted = new BackupCatalog(s3, bucket, "prod/", new BackupManifest.Owner("shop", "mongo-a", "uid-a2"));
      StoragePass.Result r0 = StoragePass.run(adopted, inputs(null, "uid-a2", now));
      assertThat(r0.pruned()).isEmpty();
      assertThat(r0.kept()).extracting(BackupCatalog.Entry::archiveKey).containsExactly(a2, a1);

      // A after its own new verified backup: prunes its own a1 only
      StoragePass.Result ra = StoragePass.run(new BackupCatalog(s3, bucket, "prod/", A), inputs(a1, "uid-a", now));
      assertThat(ra.pruned()).containsExactly(a1);
      assertThat(ra.kept()).extracting(BackupCatalog.Entry::archiveKey).containsExactly(a2);
      assertThat(ra.listed()).extracting(BackupVerdict.Listed::archiveKey).containsExactly(a2, a1);
      assertThat(ra.others()).containsEntry("DatabaseBackup shop/mongo-b", 2)
          .containsEntry(BackupCatalog.ownerName(null), 1);
      assertThat(archives(s3, bucket)).containsExactlyInAnyOrder(none, a2, b1, b2);

      StoragePass.Result rb = StoragePass.run(new BackupCatalog(s3, bucket, "prod/", B), inputs(b1, "uid-b", now));
      assertThat(rb.pruned()).containsExactly(b1);
      assertThat(archives(s3, bucket)).containsExactlyInAnyOrder(none, a2, b2);
    }
  }

  /** A backup an unfinished DatabaseRestore restores is kept, whatever retention says, until that restore ends. */
  @Test
  void retentionKeepsWhatAnUnfinishedRestoreRestores() {
    String bucket = server.newBucket();
    try (S3Client s3 = server.settings(bucket, "prod/").newClient()) {
      String a1 = backup(s3, bucket, DAY0, A);
      String a2 = backup(s3, bucket, DAY0.plus(Duration.ofDays(1)), A);
      Instant now = DAY0.plus(Duration.ofDays(2));
      BackupCatalog catalog = new BackupCatalog(s3, bucket, "prod/", A);
      StoragePass.Result held = StoragePass.run(catalog,
          new StoragePass.Inputs(a1, "uid-a", ZoneOffset.UTC, 1, 0, 0, now, Duration.ofHours(3), Set.of(a1)));
      assertThat(held.pruned()).isEmpty();
      assertThat(archives(s3, bucket)).containsExactlyInAnyOrder(a1, a2);
      StoragePass.Result after = StoragePass.run(catalog, inputs(a1, "uid-a", now));
      assertThat(after.pruned()).containsExactly(a1);
    }
  }

  /**
   * Incomplete uploads of archive keys are aborted only once older than the Jobs' deadline and margin, measured on S3's
   * clock (initiation vs the listing's Date): the operator's clock, here days ahead, does not make a running upload stale.
   */
  @Test
  void staleIncompleteUploadsAreAbortedOnlyAfterTheDeadlineOnS3sClock() throws Exception {
    String bucket = server.newBucket();
    try (S3Client s3 = server.settings(bucket, "prod/").newClient()) {
      String key = "prod/2026-11-20T03-00-00Z.archive.gz";
      s3.createMultipartUpload(b -> b.bucket(bucket).key(key));
      s3.createMultipartUpload(b -> b.bucket(bucket).key("prod/someone-elses.bin"));
      BackupCatalog c = new BackupCatalog(s3, bucket, "prod/", A);
      Instant skewed = Instant.now().plus(Duration.ofDays(3));

      StoragePass.Result young = StoragePass.run(c, new StoragePass.Inputs(null, "uid-a", ZoneOffset.UTC, 1, 0, 0, skewed, Duration.ofHours(3), Set.of()));
      assertThat(young.aborted()).isEmpty();
      assertThat(c.incompleteUploads()).hasSize(1);

      Thread.sleep(2100); // S3's times have one-second precision
      StoragePass.Result old = StoragePass.run(c, new StoragePass.Inputs(null, "uid-a", ZoneOffset.UTC, 1, 0, 0, skewed, Duration.ofSeconds(1), Set.of()));
      assertThat(old.aborted()).containsExactly(key);
      assertThat(old.abortError()).isNull();
      assertThat(s3.listMultipartUploads(b -> b.bucket(bucket)).uploads())
          .singleElement().satisfies(u -> assertThat(u.key()).isEqualTo("prod/someone-elses.bin"));
    }
  }
}
