package dev.turnout.backup.agent;

import com.google.crypto.tink.StreamingAead;
import com.google.crypto.tink.subtle.AesGcmHkdfStreaming;
import dev.turnout.backup.catalog.BackupManifest;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;

/**
 * Client-side encryption of archives: Tink's streaming AEAD AES-GCM-HKDF with a 32-byte key, SHA-256 HKDF, 32-byte
 * derived AES keys and 1 MiB ciphertext segments (Tink's AES256_GCM_HKDF_1MB template). Every segment is
 * authenticated on its own, so decryption streams in constant memory and fails on the first segment that was altered,
 * reordered or cut off (the last segment is marked as such, so truncation is detected too).
 *
 * <p>Associated data binds each archive to its name under the prefix and its owner (the DatabaseBackup's namespace
 * and name): an archive copied over another backup's key, or another owner's, fails to decrypt even with the right
 * key. The name is the key relative to the prefix, so a bucket copied to another prefix still restores.
 */
final class ArchiveCrypto {
  static final String SCHEME = "AES256_GCM_HKDF_1MB";
  private static final int SEGMENT = 1 << 20;

  private final AgentEncryption settings;
  private final ArchiveKeys keys;

  ArchiveCrypto(AgentEncryption settings) {
    this.settings = settings == null ? AgentEncryption.NONE : settings;
    this.keys = new ArchiveKeys(this.settings.keyDir());
  }

  /** Whether new backups are client-side encrypted. */
  boolean encryptsBackups() {
    return settings.keyId() != null;
  }

  /** Fails (exit 2, naming the key id) when new backups are to be encrypted and their key is missing or malformed. */
  void requireBackupKey() {
    if (encryptsBackups()) {
      keys.key(settings.keyId(), "the backup");
    }
  }

  /** The manifest's encryption entry for a new backup; null when neither kind is used. */
  BackupManifest.Encryption manifestEntry() {
    if (settings.keyId() == null && settings.sse() == null) {
      return null;
    }
    BackupManifest.Encryption e = new BackupManifest.Encryption();
    if (settings.keyId() != null) {
      e.clientSide = new BackupManifest.ClientSide(SCHEME, settings.keyId());
    }
    e.serverSide = settings.sse();
    return e;
  }

  /**
   * mongodump's output as it will be stored: encrypted with ENCRYPTION_KEY_ID when set, else unchanged. Fails (exit 2)
   * before anything is uploaded when the key is missing.
   */
  InputStream forUpload(InputStream plain, String objectKey, BackupManifest.Owner owner) {
    if (!encryptsBackups()) {
      return plain;
    }
    StreamingAead aead = aead(keys.key(settings.keyId(), "the backup"));
    try {
      return new EncryptingStream(plain, aead, aad(objectKey, owner));
    } catch (GeneralSecurityException | IOException e) {
      throw new AgentException("starting the encryption of " + objectKey + " failed: " + e.getMessage());
    }
  }

  /** The stored object's bytes as mongorestore or gunzip reads them: decrypted when the manifest says so. */
  InputStream forReading(InputStream stored, String objectKey, BackupManifest m) {
    String keyId = m.clientSideKeyId();
    if (keyId == null) {
      return stored;
    }
    if (!SCHEME.equals(m.encryption.clientSide.scheme)) {
      throw new AgentException("backup " + objectKey + " is encrypted with scheme " + m.encryption.clientSide.scheme
          + ", which this agent does not know (it knows " + SCHEME + ")", 2);
    }
    StreamingAead aead = aead(keys.key(keyId, "backup " + objectKey));
    try {
      SourceErrors source = new SourceErrors(stored);
      return new DecryptingStream(aead.newDecryptingStream(source, aad(objectKey, m.owner)), source, objectKey, keyId);
    } catch (GeneralSecurityException | IOException e) {
      throw new AgentException("decrypting " + objectKey + " with key id " + keyId + " failed: " + e.getMessage());
    }
  }

  /** {@code turnout-archive-v1 NUL <name under the prefix> NUL <owner namespace>/<owner name>} (owner empty if none). */
  static byte[] aad(String objectKey, BackupManifest.Owner owner) {
    String name = objectKey.substring(objectKey.lastIndexOf('/') + 1);
    String who = owner == null || owner.name == null ? "" : owner.namespace + "/" + owner.name;
    return ("turnout-archive-v1\0" + name + "\0" + who).getBytes(StandardCharsets.UTF_8);
  }

  private static StreamingAead aead(byte[] key) {
    try {
      return new AesGcmHkdfStreaming(key, "HmacSha256", ArchiveKeys.KEY_BYTES, SEGMENT, 0);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Tink refused AES256_GCM_HKDF_1MB parameters", e);
    }
  }

  /** An authentication failure while decrypting; its message names the archive and key id, never the key. */
  static final class DecryptionFailed extends IOException {
    DecryptionFailed(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** Names the archive and key id in Tink's failures (wrong key, tampered or swapped archive, cut off). */
  private static final class DecryptingStream extends FilterInputStream {
    private final SourceErrors source;
    private final String objectKey;
    private final String keyId;

    DecryptingStream(InputStream in, SourceErrors source, String objectKey, String keyId) {
      super(in);
      this.source = source;
      this.objectKey = objectKey;
      this.keyId = keyId;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      try {
        return in.read(b, off, len);
      } catch (DecryptionFailed e) {
        throw e;
      } catch (IOException e) {
        if (source.failed) {
          throw e; // reading the object failed (network, or VerifyingStream's second-read check): not a crypto verdict
        }
        // Tink's own failures ("Tag mismatch!", "Ciphertext is too short", ...): first line only, the rest is its state
        String why = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
        throw new DecryptionFailed("archive " + objectKey + " does not decrypt with encryption key id " + keyId
            + " (" + why + "): a wrong key under that id, an altered or cut-off object, or an archive"
            + " copied from another backup", e);
      }
    }
  }

  /** Remembers whether the stored object's stream itself failed, to tell its errors from Tink's verdicts. */
  private static final class SourceErrors extends FilterInputStream {
    volatile boolean failed;

    SourceErrors(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      try {
        return in.read();
      } catch (IOException e) {
        failed = true;
        throw e;
      }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      try {
        return in.read(b, off, len);
      } catch (IOException e) {
        failed = true;
        throw e;
      }
    }
  }

  /**
   * The ciphertext of a plaintext stream, produced as it is read (no thread, no pipe): reads a chunk of plaintext,
   * pushes it through Tink's encrypting stream into a buffer, hands out what the buffer holds. Holds at most one
   * segment plus one chunk.
   */
  private static final class EncryptingStream extends InputStream {
    private final InputStream plain;
    private final Buffer out = new Buffer();
    private final OutputStream enc;
    private final byte[] chunk = new byte[64 * 1024];
    private int pos;
    private boolean done;

    EncryptingStream(InputStream plain, StreamingAead aead, byte[] aad) throws GeneralSecurityException, IOException {
      this.plain = plain;
      this.enc = aead.newEncryptingStream(out, aad);
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      while (pos >= out.size()) {
        if (done) {
          return -1;
        }
        out.reset();
        pos = 0;
        int n = plain.read(chunk);
        if (n < 0) {
          enc.close(); // writes the last segment, marked as last
          done = true;
        } else {
          enc.write(chunk, 0, n);
        }
      }
      int n = Math.min(len, out.size() - pos);
      System.arraycopy(out.bytes(), pos, b, off, n);
      pos += n;
      return n;
    }

    @Override
    public void close() throws IOException {
      plain.close();
    }
  }

  private static final class Buffer extends ByteArrayOutputStream {
    byte[] bytes() {
      return buf;
    }
  }
}
