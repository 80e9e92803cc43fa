package dev.turnout.backup.catalog;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turnout's object key layout. Every backup is a set of objects sharing one base {@code <prefix><UTC time>}:
 *
 * <ul>
 *   <li>{@code <prefix>yyyy-MM-dd'T'HH-mm-ss'Z'.archive.gz} the mongodump archive (gzip), written by a multipart
 *       upload that only completes after mongodump exited 0;
 *   <li>{@code <base>.manifest.json} written only after the archive's upload completed; verification re-puts it with
 *       {@code verified}/{@code verifiedAt} set.
 * </ul>
 *
 * Anything under the prefix that does not match this layout exactly is not a Turnout backup and is never touched.
 */
public final class BackupKeys {
  public static final String ARCHIVE_SUFFIX = ".archive.gz";
  public static final String MANIFEST_SUFFIX = ".manifest.json";
  /** Not written by the agent (verification re-puts the manifest), but deleted with a backup if present. */
  public static final String VERIFIED_SUFFIX = ".verified.json";

  private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH-mm-ss'Z'");
  private static final Pattern STAMP_RE = Pattern.compile("(\\d{4}-\\d{2}-\\d{2}T\\d{2}-\\d{2}-\\d{2}Z)");

  private BackupKeys() {}

  /** {@code <prefix><UTC time, seconds>} for a backup started at {@code startedAt}. */
  public static String base(String prefix, Instant startedAt) {
    return nz(prefix) + STAMP.format(LocalDateTime.ofInstant(startedAt.truncatedTo(ChronoUnit.SECONDS), ZoneOffset.UTC));
  }

  public static String archiveKey(String prefix, Instant startedAt) {
    return base(prefix, startedAt) + ARCHIVE_SUFFIX;
  }

  /** Base of an archive or manifest key, or empty if the key is not in Turnout's layout under prefix. */
  public static Optional<String> baseOf(String prefix, String key) {
    String p = nz(prefix);
    if (key == null || !key.startsWith(p)) {
      return Optional.empty();
    }
    String rest = key.substring(p.length());
    String stamp;
    if (rest.endsWith(ARCHIVE_SUFFIX)) {
      stamp = rest.substring(0, rest.length() - ARCHIVE_SUFFIX.length());
    } else if (rest.endsWith(MANIFEST_SUFFIX)) {
      stamp = rest.substring(0, rest.length() - MANIFEST_SUFFIX.length());
    } else if (rest.endsWith(VERIFIED_SUFFIX)) {
      stamp = rest.substring(0, rest.length() - VERIFIED_SUFFIX.length());
    } else {
      return Optional.empty();
    }
    Matcher m = STAMP_RE.matcher(stamp);
    if (!m.matches() || timeOfStamp(stamp).isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(p + stamp);
  }

  public static boolean isArchiveKey(String prefix, String key) {
    return key != null && key.endsWith(ARCHIVE_SUFFIX) && baseOf(prefix, key).isPresent();
  }

  public static boolean isManifestKey(String prefix, String key) {
    return key != null && key.endsWith(MANIFEST_SUFFIX) && baseOf(prefix, key).isPresent();
  }

  /** The backup time encoded in a key in Turnout's layout. */
  public static Optional<Instant> timeOf(String prefix, String key) {
    return baseOf(prefix, key).flatMap(b -> timeOfStamp(b.substring(nz(prefix).length())));
  }

  public static String manifestKeyForArchive(String archiveKey) {
    return stripSuffix(archiveKey, ARCHIVE_SUFFIX) + MANIFEST_SUFFIX;
  }

  public static String archiveKeyForManifest(String manifestKey) {
    return stripSuffix(manifestKey, MANIFEST_SUFFIX) + ARCHIVE_SUFFIX;
  }

  public static String verifiedKeyForArchive(String archiveKey) {
    return stripSuffix(archiveKey, ARCHIVE_SUFFIX) + VERIFIED_SUFFIX;
  }

  private static String stripSuffix(String key, String suffix) {
    if (!key.endsWith(suffix)) {
      throw new IllegalArgumentException("not a " + suffix + " key: " + key);
    }
    return key.substring(0, key.length() - suffix.length());
  }

  private static Optional<Instant> timeOfStamp(String stamp) {
    try {
      return Optional.of(LocalDateTime.parse(stamp, STAMP).toInstant(ZoneOffset.UTC));
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }

  private static String nz(String prefix) {
    return prefix == null ? "" : prefix;
  }
}
