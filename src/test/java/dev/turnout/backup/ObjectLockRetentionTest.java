package dev.turnout.backup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.turnout.backup.agent.S3TestServer;
import dev.turnout.backup.catalog.BackupCatalog;
import dev.turnout.backup.catalog.BackupKeys;
import dev.turnout.backup.catalog.BackupManifest;
import dev.turnout.common.EventRecorder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.DeleteObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;

/**
 * Retention honours S3 Object Lock. S3Proxy has no Object Lock, so {@link LockingS3} adds it as AWS documents it: HEAD
 * Object answers x-amz-object-lock-mode, x-amz-object-lock-retain-until-date (ISO 8601) and
 * x-amz-object-lock-legal-hold (https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html), with the server's
 * own Date; a delete of a held version is refused (403 AccessDenied for a version delete; a delete without version id
 * on the versioned bucket Object Lock needs would only add a delete marker: either way a test failure here).
 */
class ObjectLockRetentionTest {
  static final BackupManifest.Owner A = new BackupManifest.Owner("shop", "mongo-a", "uid-a");
  static final Instant DAY0 = Instant.parse("2026-11-01T03:00:00Z");
  static S3TestServer server;

  /** The lock state the fake S3 holds per key, and its clock. */
  static final class LockingS3 implements ExecutionInterceptor {
    record Lock(String mode, Instant until, boolean legalHold) {}

    final Map<String, Lock> locks = new ConcurrentHashMap<>();
    volatile Instant serverNow;
    final List<String> refusedDeletes = new ArrayList<>();

    boolean held(String key) {
      Lock l = locks.get(key);
      return l != null && (l.legalHold() || (l.until() != null && l.until().isAfter(serverNow)));
    }

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
      if (context.request() instanceof DeleteObjectRequest d && held(d.key())) {
        refusedDeletes.add(d.key());
        throw software.amazon.awssdk.services.s3.model.S3Exception.builder().statusCode(403)
            .message("Access Denied (object " + d.key() + " is locked)").build();
      }
    }

    @Override
    public SdkHttpResponse modifyHttpResponse(Context.ModifyHttpResponse context, ExecutionAttributes attributes) {
      SdkHttpResponse.Builder b = context.httpResponse().toBuilder()
          .putHeader("Date", DateTimeFormatter.RFC_1123_DATE_TIME.format(serverNow.atOffset(ZoneOffset.UTC)));
      if (context.request() instanceof HeadObjectRequest h && locks.containsKey(h.key())) {
        Lock l = locks.get(h.key());
        if (l.until() != null) {
          b.putHeader("x-amz-object-lock-mode", l.mode());
          b.putHeader("x-amz-object-lock-retain-until-date", DateTimeFormatter.ISO_INSTANT.format(l.until()));
        }
        b.putHeader("x-amz-object-lock-legal-hold", l.legalHold() ? "ON" : "OFF");
      }
      return b.build();
    }
  }

  @BeforeAll
  static void start() throws Exception {
    server = new S3TestServer();
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  static S3Client client(LockingS3 fake) {
    return S3Client.builder()
        .httpClient(UrlConnectionHttpClient.builder().build())
        .region(Region.US_EAST_1)
        .endpointOverride(URI.create(server.endpoint()))
        .forcePathStyle(true)
        .credentialsProvider(StaticCredentialsProvider.create(
            AwsBasicCredentials.create(S3TestServer.ACCESS_KEY, S3TestServer.SECRET_KEY)))
        .overrideConfiguration(o -> o.addExecutionInterceptor(fake))
        .build();
  }

  static StoragePass.Inputs inputs(String previousVerified, Instant operatorNow) {
    return new StoragePass.Inputs(previousVerified, "uid-a", ZoneOffset.UTC, 1, 0, 0, operatorNow, Duration.ofHours(3), java.util.Set.of());
  }

  @Test
  void aBackupUnderRetentionIsKeptUntilTheServersClockPassesItsDateThenPruned() {
    LockingS3 fake = new LockingS3();
    String bucket = server.newBucket();
    try (S3Client s3 = client(fake)) {
      fake.serverNow = DAY0;
      String a1 = StoragePassS3Test.backup(s3, bucket, DAY0, A);
      String a2 = StoragePassS3Test.backup(s3, bucket, DAY0.plus(Duration.ofDays(1)), A);
      fake.locks.put(a1, new LockingS3.Lock("COMPLIANCE", DAY0.plus(Duration.ofDays(10)), false));
      BackupCatalog catalog = new BackupCatalog(s3, bucket, "prod/", A);

      // the operator's clock is far ahead (skew); S3's says day 5: held
      fake.serverNow = DAY0.plus(Duration.ofDays(5));
      StoragePass.Result r1 = StoragePass.run(catalog, inputs(a1, DAY0.plus(Duration.ofDays(60))));
      assertThat(r1.pruned()).isEmpty();
      assertThat(r1.kept()).extracting(BackupCatalog.Entry::archiveKey).containsExactly(a2, a1);
      assertThat(r1.objectLockHeld()).containsOnlyKeys(a1);
      assertThat(r1.objectLockHeld().get(a1)).isEqualTo(
          "2026-11-01T03-00-00Z.archive.gz: COMPLIANCE retention until 2026-11-11T03:00:00Z");
      assertThat(fake.refusedDeletes).isEmpty(); // never even tried
      assertThat(StoragePassS3Test.archives(s3, bucket)).containsExactly(a1, a2);

      // a later read (StorageReads passes no previousVerified while a backup is held), S3's clock past the date
      fake.serverNow = DAY0.plus(Duration.ofDays(10)).plusSeconds(1);
      StoragePass.Result r2 = StoragePass.run(catalog, inputs(null, DAY0.plus(Duration.ofDays(60))));
      assertThat(r2.pruned()).containsExactly(a1);
      assertThat(r2.objectLockHeld()).isEmpty();
      assertThat(StoragePassS3Test.archives(s3, bucket)).containsExactly(a2);
    }
  }

  @Test
  void aLegalHoldOnTheManifestAloneKeepsTheWholeBackupUntilItIsLifted() {
    LockingS3 fake = new LockingS3();
    String bucket = server.newBucket();
    try (S3Client s3 = client(fake)) {
      fake.serverNow = DAY0.plus(Duration.ofDays(5));
      String a1 = StoragePassS3Test.backup(s3, bucket, DAY0, A);
      String a2 = StoragePassS3Test.backup(s3, bucket, DAY0.plus(Duration.ofDays(1)), A);
      fake.locks.put(BackupKeys.manifestKeyForArchive(a1), new LockingS3.Lock(null, null, true));
      BackupCatalog catalog = new BackupCatalog(s3, bucket, "prod/", A);

      StoragePass.Result r1 = StoragePass.run(catalog, inputs(a1, fake.serverNow));
      assertThat(r1.pruned()).isEmpty();
      assertThat(r1.objectLockHeld().get(a1)).isEqualTo("2026-11-01T03-00-00Z.manifest.json: legal hold");
      assertThat(StoragePassS3Test.archives(s3, bucket)).containsExactly(a1, a2);
      assertThat(catalog.readManifest(a1)).isPresent(); // nothing of it deleted: still a listed backup

      fake.locks.put(BackupKeys.manifestKeyForArchive(a1), new LockingS3.Lock(null, null, false)); // hold lifted
      StoragePass.Result r2 = StoragePass.run(catalog, inputs(null, fake.serverNow));
      assertThat(r2.pruned()).containsExactly(a1);
      assertThat(fake.refusedDeletes).isEmpty();
    }
  }

  @Test
  void statusNamesTheHoldOnceWithOneEventAndKeepsItStableOnPassesWithoutRetention() {
    List<String> events = new ArrayList<>();
    EventRecorder recorder = new EventRecorder() {
      @Override
      public void emit(HasMetadata on, String type, String reason, String message) {
        events.add(reason + ": " + message);
      }
    };
    DatabaseBackup backup = new DatabaseBackup();
    backup.setMetadata(new ObjectMetaBuilder().withName("mongo-a").withNamespace("shop").build());
    DatabaseBackupStatus before = new DatabaseBackupStatus();
    before.backups = List.of(record("prod/a2"), record("prod/a1"));

    List<DatabaseBackupStatus.BackupRecord> first = List.of(record("prod/a2"), record("prod/a1"));
    assertThat(ObjectLockStatus.apply(first, before, Map.of("prod/a1", "a1: legal hold"), recorder, backup))
        .as("the turnout_backup_object_lock_held gauge").isEqualTo(1);
    assertThat(first.get(1).objectLock).isEqualTo("a1: legal hold");
    assertThat(first.get(0).objectLock).isNull();
    assertThat(events).hasSize(1).first().asString().startsWith("ObjectLockHeld: retention keeps prod/a1");
    assertThat(ObjectLockStatus.anyHeld(status(first))).isTrue();

    // next pass: retention ran again (held), and a pass without retention (null): same status, no new Event
    List<DatabaseBackupStatus.BackupRecord> second = List.of(record("prod/a2"), record("prod/a1"));
    ObjectLockStatus.apply(second, status(first), Map.of("prod/a1", "a1: legal hold"), recorder, backup);
    List<DatabaseBackupStatus.BackupRecord> third = List.of(record("prod/a2"), record("prod/a1"));
    ObjectLockStatus.apply(third, status(second), null, recorder, backup);
    assertThat(third.get(1).objectLock).isEqualTo("a1: legal hold");
    assertThat(events).hasSize(1);

    // pruned at last: gone from the list, nothing held any more
    List<DatabaseBackupStatus.BackupRecord> fourth = List.of(record("prod/a2"));
    assertThat(ObjectLockStatus.apply(fourth, status(third), Map.of(), recorder, backup)).isZero();
    assertThat(ObjectLockStatus.anyHeld(status(fourth))).isFalse();
  }

  static DatabaseBackupStatus.BackupRecord record(String object) {
    DatabaseBackupStatus.BackupRecord r = new DatabaseBackupStatus.BackupRecord();
    r.object = object;
    return r;
  }

  static DatabaseBackupStatus status(List<DatabaseBackupStatus.BackupRecord> records) {
    DatabaseBackupStatus s = new DatabaseBackupStatus();
    s.backups = records;
    return s;
  }
}
