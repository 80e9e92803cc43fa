package dev.turnout.backup.catalog;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Lists the incomplete multipart uploads of archive keys under a prefix ({@link BackupCatalog#incompleteUploads}), page
 * by page, with S3's own clock (the listing's Date) to tell their age by.
 */
final class MultipartUploads {
  private MultipartUploads() {}

  /**
   * Incomplete multipart uploads of archive keys directly under the prefix (what a killed agent leaves behind), oldest
   * first. Uploads of any other key are not listed.
   */
  static List<BackupCatalog.Upload> incomplete(S3Client s3, String bucket, String prefix) {
    List<BackupCatalog.Upload> out = new ArrayList<>();
    String keyMarker = null;
    String idMarker = null;
    while (true) {
      var req = software.amazon.awssdk.services.s3.model.ListMultipartUploadsRequest.builder()
          .bucket(bucket).prefix(prefix).delimiter("/");
      if (keyMarker != null) {
        req.keyMarker(keyMarker).uploadIdMarker(idMarker);
      }
      var resp = s3.listMultipartUploads(req.build());
      Instant listedAt = resp.sdkHttpResponse().firstMatchingHeader("Date").map(MultipartUploads::httpDate).orElse(null);
      for (var u : resp.uploads()) {
        if (BackupKeys.isArchiveKey(prefix, u.key())) {
          out.add(new BackupCatalog.Upload(u.key(), u.uploadId(), u.initiated(), listedAt));
        }
      }
      if (!Boolean.TRUE.equals(resp.isTruncated()) || resp.nextKeyMarker() == null) {
        break;
      }
      keyMarker = resp.nextKeyMarker();
      idMarker = resp.nextUploadIdMarker();
    }
    out.sort(Comparator.comparing(BackupCatalog.Upload::initiated, Comparator.nullsFirst(Comparator.naturalOrder())));
    return out;
  }

  static Instant httpDate(String value) {
    try {
      return java.time.ZonedDateTime.parse(value, java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
    } catch (java.time.format.DateTimeParseException e) {
      return null;
    }
  }
}
