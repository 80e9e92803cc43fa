package dev.turnout.backup.catalog;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The backups under one bucket and prefix, read from S3 (the manifests are the source of truth, never Job logs).
 * Only keys in {@link BackupKeys}' layout directly under the prefix are listed or deleted; everything else is ignored.
 *
 * <p>A catalog may be scoped to an owner (a DatabaseBackup): then {@link #list()}, {@link #latestVerified()} and
 * {@code latest} see only the backups whose manifest names that owner (namespace and name), so that two
 * DatabaseBackups sharing a bucket and prefix never prune nor restore each other's backups. An unscoped catalog sees
 * every backup, and refuses to pick {@code latest} among the backups of several owners.
 */
public class BackupCatalog {
  /** "latest" asked of an unscoped catalog whose verified backups have several owners. */
  public static class AmbiguousLatestException extends IllegalArgumentException {
    public AmbiguousLatestException(String message) {
      super(message);
    }
  }

  /**
   * An incomplete multipart upload of an archive key under the prefix. {@code initiated} and {@code listedAt} (the Date
   * of S3's listing response, null if absent) are both S3's own clock: their difference is the upload's age whatever
   * the operator's clock says.
   */
  public record Upload(String key, String uploadId, Instant initiated, Instant listedAt) {}

  /** One complete backup: an archive whose manifest exists. */
  public record Entry(
      String archiveKey, String manifestKey, Instant time, BackupManifest manifest, boolean archivePresent, Instant manifestStoredAt) {
    /** manifestStoredAt: the manifest's LastModified, set by the S3 server (not the agent's clock); null if unknown. */
    public Entry(String archiveKey, String manifestKey, Instant time, BackupManifest manifest, boolean archivePresent) {
      this(archiveKey, manifestKey, time, manifest, archivePresent, null);
    }

    public boolean verified() {
      return manifest != null && manifest.passedVerification();
    }
  }

  private final S3Client s3;
  private final String bucket;
  private final String prefix;

  private final BackupManifest.Owner owner;
  /** Server-side encryption asked for on every manifest written; null: none (the bucket's default applies). */
  private ServerSideEncryption sse;

  public BackupCatalog(S3Client s3, String bucket, String prefix) {
    this(s3, bucket, prefix, null);
  }

  /** @param owner the DatabaseBackup whose backups this catalog sees; null: everybody's */
  public BackupCatalog(S3Client s3, String bucket, String prefix, BackupManifest.Owner owner) {
    this.s3 = s3;
    this.bucket = bucket;
    this.prefix = prefix == null ? "" : prefix;
    this.owner = owner == null || owner.name == null ? null : owner;
  }

  /** Asks S3 for this server-side encryption on every manifest this catalog writes; returns this. */
  public BackupCatalog serverSideEncryption(ServerSideEncryption sse) {
    this.sse = sse;
    return this;
  }

  /** The owner this catalog is scoped to, or null. */
  public BackupManifest.Owner owner() {
    return owner;
  }

  /** Whether a backup belongs to this catalog's owner (every backup does when unscoped). */
  public boolean owns(Entry e) {
    return owner == null || owner.sameAs(e.manifest().owner);
  }

  public String bucket() {
    return bucket;
  }

  public String prefix() {
    return prefix;
  }

  /** Complete backups of this catalog's owner (everybody's when unscoped), newest first. */
  public List<Entry> list() {
    return owner == null ? listAll() : listAll().stream().filter(this::owns).toList();
  }

  /** Complete backups (manifest present and parseable) of every owner, newest first. */
  public List<Entry> listAll() {
    Map<String, S3Object> archives = new HashMap<>();
    TreeMap<String, String> manifests = new TreeMap<>(Comparator.reverseOrder());
    Map<String, Instant> stored = new HashMap<>();
    for (S3Object o : listUnderPrefix()) {
      String key = o.key();
      if (BackupKeys.isArchiveKey(prefix, key)) {
        archives.put(key, o);
      } else if (BackupKeys.isManifestKey(prefix, key)) {
        manifests.put(key, key);
        stored.put(key, o.lastModified());
      }
    }
    List<Entry> out = new ArrayList<>();
    for (String manifestKey : manifests.keySet()) {
      String archiveKey = BackupKeys.archiveKeyForManifest(manifestKey);
      BackupManifest m;
      try {
        m = BackupManifest.parse(s3.getObjectAsBytes(b -> b.bucket(bucket).key(manifestKey)).asByteArray());
      } catch (NoSuchKeyException | IllegalArgumentException e) {
        continue; // deleted meanwhile, or not ours after all
      }
      Instant time = BackupKeys.timeOf(prefix, manifestKey).orElseThrow();
      out.add(new Entry(archiveKey, manifestKey, time, m, archives.containsKey(archiveKey), stored.get(manifestKey)));
    }
    return out;
  }

  /** Archives in Turnout's layout with no manifest: crashed between upload and manifest, never counted as backups. */
  public List<String> orphanArchives() {
    List<String> keys = new ArrayList<>();
    List<S3Object> all = listUnderPrefix();
    var manifestKeys = new java.util.HashSet<String>();
    for (S3Object o : all) {
      if (BackupKeys.isManifestKey(prefix, o.key())) {
        manifestKeys.add(o.key());
      }
    }
    for (S3Object o : all) {
      if (BackupKeys.isArchiveKey(prefix, o.key()) && !manifestKeys.contains(BackupKeys.manifestKeyForArchive(o.key()))) {
        keys.add(o.key());
      }
    }
    keys.sort(Comparator.reverseOrder());
    return keys;
  }

  /**
   * The newest backup of this catalog's owner whose manifest says verified and whose archive is present. Unscoped, the
   * verified backups must all have one owner (or all none).
   *
   * @throws AmbiguousLatestException unscoped, when the verified backups have several owners
   */
  public Optional<Entry> latestVerified() {
    List<Entry> verified = list().stream().filter(e -> e.verified() && e.archivePresent()).toList();
    if (owner == null) {
      java.util.Set<String> owners = new java.util.TreeSet<>();
      verified.forEach(e -> owners.add(ownerName(e.manifest().owner)));
      if (owners.size() > 1) {
        throw new AmbiguousLatestException(
            "\"latest\" is ambiguous: s3://" + bucket + "/" + prefix + " holds verified backups of several owners ("
                + String.join(", ", owners) + "); restore with backupRef naming the DatabaseBackup, or name the object");
      }
    }
    return verified.stream().findFirst();
  }

  /** {@code DatabaseBackup ns/name}, or a note that an older agent wrote it. */
  public static String ownerName(BackupManifest.Owner o) {
    return o == null || o.name == null ? "no owner (written by an agent older than owner tracking)" : "DatabaseBackup " + o;
  }

  /**
   * Incomplete multipart uploads of archive keys directly under the prefix (what a killed agent leaves behind), oldest
   * first. Uploads of any other key are not listed.
   */
  public List<Upload> incompleteUploads() {
    return MultipartUploads.incomplete(s3, bucket, prefix);
  }

  /** Aborts an incomplete upload (its parts are freed); refuses keys outside Turnout's layout. */
  public void abort(Upload upload) {
    requireOurs(upload.key());
    s3.abortMultipartUpload(b -> b.bucket(bucket).key(upload.key()).uploadId(upload.uploadId()));
  }

  /**
   * Resolves what a user wrote as the object to restore: {@code latest}, a full key, or a key relative to the prefix.
   *
   * @throws IllegalArgumentException when it is not a Turnout archive key or no verified backup exists
   */
  public String resolve(String object) {
    if (object == null || object.isBlank() || object.equals("latest")) {
      return latestVerified()
          .map(Entry::archiveKey)
          .orElseThrow(
                () -> new IllegalArgumentException(
                  "no verified backup" + (owner == null ? "" : " of DatabaseBackup " + owner) + " under s3://" + bucket
                      + "/" + prefix + " to resolve \"latest\""));
    }
    if (BackupKeys.isArchiveKey(prefix, object)) {
      return object;
    }
    if (BackupKeys.isArchiveKey(prefix, prefix + object)) {
      return prefix + object;
    }
    throw new IllegalArgumentException(
        "\"" + object + "\" is not a Turnout backup archive under prefix \"" + prefix
            + "\" (expected <prefix>yyyy-MM-ddTHH-mm-ssZ.archive.gz)");
  }

  public Optional<BackupManifest> readManifest(String archiveKey) {
    requireOurs(archiveKey);
    try {
      return Optional.of(
          BackupManifest.parse(
              s3.getObjectAsBytes(b -> b.bucket(bucket).key(BackupKeys.manifestKeyForArchive(archiveKey)))
                  .asByteArray()));
    } catch (NoSuchKeyException e) {
      return Optional.empty();
    }
  }

  /** Size of the archive object (a HEAD request), or empty when it does not exist. */
  public Optional<Long> archiveSize(String archiveKey) {
    requireOurs(archiveKey);
    try {
      return Optional.of(s3.headObject(b -> b.bucket(bucket).key(archiveKey)).contentLength());
    } catch (NoSuchKeyException e) {
      return Optional.empty();
    } catch (software.amazon.awssdk.services.s3.model.S3Exception e) {
      if (e.statusCode() == 404) {
        return Optional.empty();
      }
      throw e;
    }
  }

  public void writeManifest(BackupManifest manifest) {
    requireOurs(manifest.object);
    s3.putObject(
        b -> {
          b.bucket(bucket).key(BackupKeys.manifestKeyForArchive(manifest.object)).contentType("application/json");
          if (sse != null) {
            sse.applyTo(b);
          }
        },
        RequestBody.fromBytes(manifest.toJson()));
  }

  /**
   * Why one backup may not be deleted now (S3 Object Lock on its archive or manifest: {@link ObjectLocks}), or empty.
   * HEAD requests only; {@code fallbackNow} is used only when S3 sends no Date.
   */
  public Optional<String> objectLockHold(String archiveKey, Instant fallbackNow) {
    requireOurs(archiveKey);
    return ObjectLocks.hold(s3, bucket, List.of(archiveKey, BackupKeys.manifestKeyForArchive(archiveKey)), fallbackNow);
  }

  /**
   * Deletes one backup: manifest first (so it stops counting at once), then the verification marker if any, then the
   * archive. Refuses keys outside Turnout's layout.
   */
  public void delete(String archiveKey) {
    requireOurs(archiveKey);
    s3.deleteObject(b -> b.bucket(bucket).key(BackupKeys.manifestKeyForArchive(archiveKey)));
    s3.deleteObject(b -> b.bucket(bucket).key(BackupKeys.verifiedKeyForArchive(archiveKey)));
    s3.deleteObject(b -> b.bucket(bucket).key(archiveKey));
  }

  private void requireOurs(String archiveKey) {
    if (!BackupKeys.isArchiveKey(prefix, archiveKey)) {
      throw new IllegalArgumentException("not a Turnout backup archive under prefix \"" + prefix + "\": " + archiveKey);
    }
  }

  private List<S3Object> listUnderPrefix() {
    List<S3Object> out = new ArrayList<>();
    String token = null;
    do {
      var req = ListObjectsV2Request.builder().bucket(bucket).prefix(prefix).delimiter("/");
      if (token != null) {
        req.continuationToken(token);
      }
      ListObjectsV2Response resp = s3.listObjectsV2(req.build());
      out.addAll(resp.contents());
      token = Boolean.TRUE.equals(resp.isTruncated()) ? resp.nextContinuationToken() : null;
    } while (token != null);
    return out;
  }
}
