package dev.turnout.backup.agent;

import dev.turnout.backup.catalog.BackupManifest;
import dev.turnout.backup.catalog.S3Settings;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.zip.GZIPInputStream;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * Reads a backup's archive back from S3 against its manifest: the whole object checked (size, sha256, gzip to its end)
 * before anything trusts it, and the checked stream mongorestore reads. Shared by verify, RestoreTest and restore.
 */
final class ArchiveObjects {
  private final S3Client s3;
  private final S3Settings settings;
  private final ArchiveCrypto crypto;

  ArchiveObjects(S3Client s3, S3Settings settings) {
    this(s3, settings, null);
  }

  /** @param crypto decrypts client-side encrypted archives (their manifest names the key id); null: no keys */
  ArchiveObjects(S3Client s3, S3Settings settings, AgentEncryption crypto) {
    this.s3 = s3;
    this.settings = settings;
    this.crypto = new ArchiveCrypto(crypto);
  }

  /** Re-reads the object: size and sha256 against the manifest, and (when gzip is true) gzip integrity to the end. */
  String check(String key, BackupManifest m, boolean gzip) {
    MessageDigest sha = sha256();
    long[] count = {0};
    String etag;
    try (ResponseInputStream<GetObjectResponse> obj = s3call(() -> s3.getObject(b -> b.bucket(bucket()).key(key)))) {
      etag = obj.response().eTag();
      InputStream counted = new CountingDigestStream(obj, sha, count);
      if (gzip) {
        try {
          // not closed: closing would close the object stream before the rest is drained below
          // a client-side encrypted archive is decrypted on the way: every segment authenticated, then gzip checked
          new GZIPInputStream(crypto.forReading(counted, key, m), 64 * 1024).transferTo(OutputStream.nullOutputStream());
        } catch (ArchiveCrypto.DecryptionFailed e) {
          drain(counted);
          throw new AgentException(e.getMessage());
        } catch (IOException e) {
          drain(counted);
          throw new GzipBroken(e.getMessage());
        }
      }
      drain(counted);
    } catch (GzipBroken e) {
      String shaNow = HexFormat.of().formatHex(sha.digest());
      throw new AgentException(
          "archive " + key + " is not a valid gzip stream (" + e.getMessage() + "); size " + count[0] + " vs manifest "
              + m.sizeBytes + ", sha256 " + (shaNow.equals(m.sha256) ? "matches" : "differs"));
    } catch (IOException e) {
      throw new AgentException("reading " + key + " failed after " + count[0] + " bytes: " + e.getMessage());
    }
    String actual = HexFormat.of().formatHex(sha.digest());
    if (count[0] != m.sizeBytes) {
      throw new AgentException(
          "size mismatch for " + key + ": manifest says " + m.sizeBytes + " bytes, object has " + count[0]);
    }
    if (!actual.equals(m.sha256)) {
      throw new AgentException("checksum mismatch for " + key + ": manifest says sha256 " + m.sha256 + ", object has " + actual);
    }
    return etag;
  }

  /** The object's bytes for mongorestore, hashed as they pass; the stream fails at its end if they differ. */
  InputStream openChecked(String key, BackupManifest m, String etag) {
    ResponseInputStream<GetObjectResponse> obj =
        s3call(() -> s3.getObject(b -> b.bucket(bucket()).key(key).ifMatch(etag)));
    return crypto.forReading(new VerifyingStream(obj, m.sizeBytes, m.sha256, key), key, m);
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void drain(InputStream in) throws IOException {
    in.transferTo(OutputStream.nullOutputStream());
  }



  private static final class GzipBroken extends RuntimeException {
    GzipBroken(String message) {
      super(message);
    }
  }

  /** Counts and hashes every byte read through it. */
  private static final class CountingDigestStream extends java.io.FilterInputStream {
    private final MessageDigest sha;
    private final long[] count;

    CountingDigestStream(InputStream in, MessageDigest sha, long[] count) {
      super(in);
      this.sha = sha;
      this.count = count;
    }

    @Override
    public int read() throws IOException {
      int b = in.read();
      if (b >= 0) {
        sha.update((byte) b);
        count[0]++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = in.read(b, off, len);
      if (n > 0) {
        sha.update(b, off, n);
        count[0] += n;
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      byte[] buf = new byte[8192];
      long done = 0;
      while (done < n) {
        int r = read(buf, 0, (int) Math.min(buf.length, n - done));
        if (r < 0) {
          break;
        }
        done += r;
      }
      return done;
    }
  }

  private String bucket() {
    return settings.bucket();
  }

  private <T> T s3call(java.util.function.Supplier<T> call) {
    return S3Calls.call(settings, call);
  }
}
