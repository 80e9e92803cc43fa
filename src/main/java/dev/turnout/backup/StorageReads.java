package dev.turnout.backup;

import dev.turnout.backup.BackupStorage.StorageException;
import dev.turnout.backup.catalog.BackupManifest;
import dev.turnout.common.Conditions;
import dev.turnout.common.EventRecorder;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The DatabaseBackup reconciler's storage reads in flight. A read ({@link StoragePass}) runs on the storage executor;
 * the reconcile waits for it a moment (S3 usually answers in milliseconds) and otherwise returns, to pick the result up
 * in a later reconcile. A slow or hung S3 therefore never holds a reconcile thread for more than {@link #INLINE_WAIT},
 * and its read ends in a StorageTimeout condition once the call timeout passed.
 */
final class StorageReads {
  static final Duration INLINE_WAIT = Duration.ofSeconds(2);
  static final Duration POLL = Duration.ofSeconds(1);
  /** Added to the longest activeDeadlineSeconds before an incomplete upload counts as stale (covers clock skew too). */
  static final Duration STALE_UPLOAD_MARGIN = Duration.ofHours(1);
  static final long DEFAULT_DEADLINE_SECONDS = 7200;

  /** A read started at {@code startedAt}, when the Jobs {@code finishedJobs} had finished. */
  record InFlight(Instant startedAt, Set<String> finishedJobs, CompletableFuture<StoragePass.Result> future) {}

  /** A finished read; {@link #result()} throws its StorageException. */
  record Done(Instant startedAt, Set<String> finishedJobs, StoragePass.Result value, RuntimeException error) {
    StoragePass.Result result() {
      if (error != null) {
        throw error;
      }
      return value;
    }
  }

  private final Map<String, InFlight> inFlight = new ConcurrentHashMap<>();

  boolean inFlight(String key) {
    return inFlight.containsKey(key);
  }

  /** The read of {@code key} (started by {@code starter} when none is in flight) if it finishes within the inline wait. */
  Done poll(String key, Supplier<InFlight> starter) {
    InFlight f = inFlight.computeIfAbsent(key, k -> starter.get());
    StoragePass.Result value = null;
    RuntimeException error = null;
    try {
      value = f.future().get(INLINE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    } catch (ExecutionException e) {
      error = BackupStorage.unwrap(e);
      if (error instanceof StorageException se && BackupStorage.BUSY.equals(se.reason())) {
        inFlight.remove(key, f); // not started: S3 is busy with other reads of this bucket; a later reconcile asks again
        return null;
      }
      if (!(error instanceof StorageException)) {
        error = new StorageException(error.getClass().getSimpleName() + ": " + error.getMessage());
      }
    }
    inFlight.remove(key, f);
    return new Done(f.startedAt(), f.finishedJobs(), value, error);
  }

  /** Starts a storage pass for {@code backup} on the storage executor. */
  InFlight start(BackupStorage storage, DatabaseBackup backup, DatabaseBackupStatus before, ZoneId zone, Instant now,
      List<DatabaseBackup> sharing, Set<String> finishedJobs, Set<String> inUse) {
    DatabaseBackupSpec spec = backup.getSpec();
    String previousVerified = before == null || before.backups == null ? null
        : before.backups.stream().filter(b -> Boolean.TRUE.equals(b.verified)).map(b -> b.object).findFirst().orElse(null);
    if (ObjectLockStatus.anyHeld(before)) {
      previousVerified = null; // retention again on every read while S3 Object Lock holds a backup it would prune
    }
    DatabaseBackupSpec.RetentionSpec r = spec.retention == null ? new DatabaseBackupSpec.RetentionSpec() : spec.retention;
    // an upload may belong to any DatabaseBackup on this prefix: stale only after the longest of their deadlines
    long deadline = deadline(backup);
    for (DatabaseBackup o : sharing) {
      deadline = Math.max(deadline, deadline(o));
    }
    StoragePass.Inputs in = new StoragePass.Inputs(previousVerified, backup.getMetadata().getUid(), zone,
        or(r.daily, 7), or(r.weekly, 4), or(r.monthly, 12), now, Duration.ofSeconds(deadline).plus(STALE_UPLOAD_MARGIN),
        Set.copyOf(inUse));
    BackupManifest.Owner owner = new BackupManifest.Owner(backup.getMetadata().getNamespace(), backup.getMetadata().getName(),
        backup.getMetadata().getUid());
    CompletableFuture<StoragePass.Result> f =
        storage.submit(backup.getMetadata().getNamespace(), spec.storage, owner, catalog -> StoragePass.run(catalog, in));
    return new InFlight(now, Set.copyOf(finishedJobs), f);
  }

  private static long deadline(DatabaseBackup b) {
    Long d = b.getSpec() == null ? null : b.getSpec().activeDeadlineSeconds;
    return d == null ? DEFAULT_DEADLINE_SECONDS : d;
  }

  /**
   * The StorageShared condition: True naming the other DatabaseBackups whose storage overlaps (with a Warning Event
   * when that list changes), False when none does.
   */
  static List<Condition> sharedCondition(EventRecorder events, DatabaseBackup backup, List<Condition> conditions,
      List<DatabaseBackup> sharing, Instant now) {
    Long generation = backup.getMetadata().getGeneration();
    if (sharing.isEmpty()) {
      StorageSpec.S3Spec s3 = backup.getSpec().storage.s3;
      return Conditions.set(conditions, StorageOverlap.STORAGE_SHARED, false, "NotShared",
          "no other DatabaseBackup the operator sees uses s3://" + s3.bucket + "/" + (s3.prefix == null ? "" : s3.prefix)
              + " or a prefix overlapping it", generation, now);
    }
    String message = StorageOverlap.message(backup, sharing);
    Optional<Condition> old = Conditions.find(conditions, StorageOverlap.STORAGE_SHARED);
    if (old.isEmpty() || !Conditions.TRUE.equals(old.get().getStatus()) || !Objects.equals(old.get().getMessage(), message)) {
      events.warning(backup, "StorageShared", message);
    }
    return Conditions.set(conditions, StorageOverlap.STORAGE_SHARED, true, "PrefixShared", message, generation, now);
  }

  private static int or(Integer v, int d) {
    return v == null ? d : v;
  }
}
