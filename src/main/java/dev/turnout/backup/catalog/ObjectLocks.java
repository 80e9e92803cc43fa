package dev.turnout.backup.catalog;

import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.ObjectLockLegalHoldStatus;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * S3 Object Lock as retention must honour it. A locked object version cannot be deleted before its retain-until date
 * (mode GOVERNANCE or COMPLIANCE) nor while a legal hold is ON; and on a versioned bucket (Object Lock requires
 * versioning) a DeleteObject without a version id does not fail, it adds a delete marker: the backup would vanish from
 * listings while its locked bytes stay (and are billed). So retention deletes none of a backup's objects while any of
 * them is locked, keeps the backup listed, and tries again on later passes.
 *
 * <p>What HEAD Object returns (https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html):
 * {@code x-amz-object-lock-mode} (GOVERNANCE | COMPLIANCE), {@code x-amz-object-lock-retain-until-date} (ISO 8601) and
 * {@code x-amz-object-lock-legal-hold} (ON | OFF), the first two only with s3:GetObjectRetention, the third only with
 * s3:GetObjectLegalHold. "After" is judged on the S3 server's clock: the Date header of the same response
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html: retention periods are evaluated by S3).
 */
public final class ObjectLocks {
  /** One object's lock as HEAD reported it, and the server's time of the answer (null when it sent no Date). */
  public record Lock(String mode, Instant retainUntil, boolean legalHold, Instant serverNow) {
    public static final Lock NONE = new Lock(null, null, false, null);
  }

  private ObjectLocks() {}

  /**
   * The decision, a pure function: why the object may not be deleted now, or empty when it may. {@code fallbackNow}
   * (the operator's clock) is used only when the server sent no Date.
   */
  public static Optional<String> hold(Lock lock, Instant fallbackNow) {
    if (lock.legalHold()) {
      return Optional.of("legal hold");
    }
    Instant now = lock.serverNow() != null ? lock.serverNow() : fallbackNow;
    if (lock.retainUntil() != null && lock.retainUntil().isAfter(now)) {
      return Optional.of((lock.mode() == null ? "retention" : lock.mode() + " retention") + " until " + lock.retainUntil());
    }
    return Optional.empty();
  }

  /** The first hold among the objects of one backup (archive, manifest), or empty when every one may be deleted. */
  static Optional<String> hold(S3Client s3, String bucket, List<String> keys, Instant fallbackNow) {
    for (String key : keys) {
      Optional<String> h = hold(head(s3, bucket, key), fallbackNow);
      if (h.isPresent()) {
        return Optional.of(key.substring(key.lastIndexOf('/') + 1) + ": " + h.get());
      }
    }
    return Optional.empty();
  }

  static Lock head(S3Client s3, String bucket, String key) {
    HeadObjectResponse r;
    try {
      r = s3.headObject(b -> b.bucket(bucket).key(key));
    } catch (NoSuchKeyException e) {
      return Lock.NONE;
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        return Lock.NONE;
      }
      throw e;
    }
    Instant date = r.sdkHttpResponse().firstMatchingHeader("Date").map(ObjectLocks::httpDate).orElse(null);
    return new Lock(r.objectLockModeAsString(), r.objectLockRetainUntilDate(),
        r.objectLockLegalHoldStatus() == ObjectLockLegalHoldStatus.ON, date);
  }

  private static Instant httpDate(String value) {
    try {
      return ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
