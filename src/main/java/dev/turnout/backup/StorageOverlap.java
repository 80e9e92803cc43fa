package dev.turnout.backup;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * DatabaseBackups (in any namespace the operator watches) whose storage overlaps: same endpoint and bucket, and one
 * prefix a prefix of the other (the same prefix included). Such backups are flagged, not refused: each manifest names
 * the DatabaseBackup that wrote it, and retention and {@code latest} consider only their own, so both keep working.
 */
final class StorageOverlap {
  public static final String STORAGE_SHARED = "StorageShared";

  private StorageOverlap() {}

  /** The others whose storage overlaps {@code self}'s, sorted by namespace/name. */
  static List<DatabaseBackup> overlapping(DatabaseBackup self, Collection<DatabaseBackup> all) {
    return all.stream()
        .filter(o -> !(Objects.equals(o.getMetadata().getNamespace(), self.getMetadata().getNamespace())
            && Objects.equals(o.getMetadata().getName(), self.getMetadata().getName())))
        .filter(o -> o.getMetadata().getDeletionTimestamp() == null)
        .filter(o -> overlaps(self.getSpec().storage, o.getSpec() == null ? null : o.getSpec().storage))
        .sorted(Comparator.comparing((DatabaseBackup o) -> o.getMetadata().getNamespace()).thenComparing(o -> o.getMetadata().getName()))
        .toList();
  }

  static boolean overlaps(StorageSpec a, StorageSpec b) {
    if (a == null || b == null || a.s3 == null || b.s3 == null || a.s3.bucket == null || !a.s3.bucket.equals(b.s3.bucket)) {
      return false;
    }
    if (!endpoint(a.s3).equals(endpoint(b.s3))) {
      return false;
    }
    String pa = a.s3.prefix == null ? "" : a.s3.prefix;
    String pb = b.s3.prefix == null ? "" : b.s3.prefix;
    return pa.startsWith(pb) || pb.startsWith(pa);
  }

  /** AWS (no endpoint) is one endpoint per region; others compare without a trailing slash, case-insensitively. */
  private static String endpoint(StorageSpec.S3Spec s3) {
    if (s3.endpoint == null || s3.endpoint.isBlank()) {
      return "aws:" + (s3.region == null ? "us-east-1" : s3.region);
    }
    String e = s3.endpoint.trim().toLowerCase(Locale.ROOT);
    return e.endsWith("/") ? e.substring(0, e.length() - 1) : e;
  }

  /** The condition's message naming the others. */
  static String message(DatabaseBackup self, List<DatabaseBackup> others) {
    StorageSpec.S3Spec s3 = self.getSpec().storage.s3;
    StringBuilder b = new StringBuilder("s3://" + s3.bucket + "/" + (s3.prefix == null ? "" : s3.prefix) + " overlaps the storage of ");
    for (int i = 0; i < others.size(); i++) {
      DatabaseBackup o = others.get(i);
      String p = o.getSpec().storage.s3.prefix;
      b.append(i == 0 ? "" : ", ").append("DatabaseBackup ").append(o.getMetadata().getNamespace()).append('/')
          .append(o.getMetadata().getName()).append(" (prefix \"").append(p == null ? "" : p).append("\")");
    }
    return b.append(": each manifest names the DatabaseBackup that wrote it; retention, latest and status consider only"
        + " their own backups. Prefer a prefix of its own per DatabaseBackup").toString();
  }
}
