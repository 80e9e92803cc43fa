package dev.turnout.backup.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.turnout.backup.catalog.BackupManifest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Client-side encryption in memory: streaming round trip over several 1 MiB segments, and every way it must fail. */
class ArchiveCryptoTest {
  static final String KEY = "prod/2026-11-20T03-00-00Z.archive.gz";
  static final BackupManifest.Owner OWNER = new BackupManifest.Owner("shop", "nightly", "u1");
  @TempDir Path keys;
  byte[] plain;

  @BeforeEach
  void setUp() throws IOException {
    plain = new byte[3 * (1 << 20) + 12345]; // four segments, the last one short
    new Random(7).nextBytes(plain);
    writeKey("k1", 1);
    writeKey("k2", 2);
  }

  void writeKey(String id, int seed) throws IOException {
    byte[] k = new byte[32];
    new Random(seed).nextBytes(k);
    // as a kubelet projects it: the decoded Secret value, i.e. `openssl rand -base64 32`'s line
    Files.writeString(keys.resolve(id), Base64.getEncoder().encodeToString(k) + "\n");
  }

  ArchiveCrypto crypto(String keyId) {
    return new ArchiveCrypto(new AgentEncryption(keys, keyId, null));
  }

  byte[] encrypt(String keyId, String objectKey, BackupManifest.Owner owner) throws IOException {
    return crypto(keyId).forUpload(new ByteArrayInputStream(plain), objectKey, owner).readAllBytes();
  }

  BackupManifest manifest(String keyId, BackupManifest.Owner owner) {
    BackupManifest m = new BackupManifest();
    m.owner = owner;
    m.encryption = new BackupManifest.Encryption();
    m.encryption.clientSide = new BackupManifest.ClientSide(ArchiveCrypto.SCHEME, keyId);
    return m;
  }

  byte[] decrypt(byte[] stored, String objectKey, BackupManifest m) throws IOException {
    try (InputStream in = crypto(null).forReading(new ByteArrayInputStream(stored), objectKey, m)) {
      return in.readAllBytes();
    }
  }

  @Test
  void roundTripOverSeveralSegmentsWithTheKeyTheManifestNames() throws IOException {
    byte[] stored = encrypt("k1", KEY, OWNER);
    assertThat(stored).hasSizeGreaterThan(plain.length);
    assertThat(Arrays.copyOf(stored, 64)).isNotEqualTo(Arrays.copyOf(plain, 64));
    // restores use the manifest's key id, whatever ENCRYPTION_KEY_ID now says (rotation)
    assertThat(decrypt(stored, KEY, manifest("k1", OWNER))).isEqualTo(plain);
    // byte by byte through read() too
    InputStream one = crypto("k2").forReading(new ByteArrayInputStream(stored), KEY, manifest("k1", OWNER));
    assertThat(one.read()).isEqualTo(plain[0] & 0xff);
  }

  @Test
  void anEmptyArchiveRoundTrips() throws IOException {
    plain = new byte[0];
    byte[] stored = encrypt("k1", KEY, OWNER);
    assertThat(stored).isNotEmpty(); // header and one authenticated empty segment
    assertThat(decrypt(stored, KEY, manifest("k1", OWNER))).isEmpty();
  }

  @Test
  void theWrongKeyUnderTheIdFailsNamingTheKeyId() throws IOException {
    byte[] stored = encrypt("k1", KEY, OWNER);
    writeKey("k1", 99); // someone replaced the key's value
    assertThatThrownBy(() -> decrypt(stored, KEY, manifest("k1", OWNER)))
        .isInstanceOf(ArchiveCrypto.DecryptionFailed.class)
        .hasMessageContaining("does not decrypt with encryption key id k1");
  }

  @Test
  void aTamperedByteInAnySegmentFails() throws IOException {
    byte[] stored = encrypt("k1", KEY, OWNER);
    for (int at : new int[] {40, (1 << 20) + 100, stored.length - 3}) {
      byte[] t = stored.clone();
      t[at] ^= 1;
      assertThatThrownBy(() -> decrypt(t, KEY, manifest("k1", OWNER)))
          .as("byte %d", at).isInstanceOf(ArchiveCrypto.DecryptionFailed.class);
    }
  }

  @Test
  void anArchiveCutAtASegmentBoundaryFails() throws IOException {
    byte[] stored = encrypt("k1", KEY, OWNER);
    // header + three full 1 MiB ciphertext segments: the last segment (marked last) is missing
    byte[] cutAtSegment = Arrays.copyOf(stored, 3 * (1 << 20));
    assertThatThrownBy(() -> decrypt(cutAtSegment, KEY, manifest("k1", OWNER)))
        .isInstanceOf(ArchiveCrypto.DecryptionFailed.class);
    assertThatThrownBy(() -> decrypt(Arrays.copyOf(stored, stored.length - 1), KEY, manifest("k1", OWNER)))
        .isInstanceOf(ArchiveCrypto.DecryptionFailed.class);
    assertThatThrownBy(() -> decrypt(Arrays.copyOf(stored, 10), KEY, manifest("k1", OWNER))) // inside the header
        .isInstanceOf(ArchiveCrypto.DecryptionFailed.class).hasMessageNotContaining("\n");
  }

  @Test
  void aFailingObjectStreamIsNotMistakenForADecryptionVerdict() throws IOException {
    byte[] stored = encrypt("k1", KEY, OWNER);
    InputStream broken = new java.io.FilterInputStream(new ByteArrayInputStream(stored)) {
      int n;

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if ((n += len) > 2 * (1 << 20)) {
          throw new IOException("connection reset");
        }
        return super.read(b, off, len);
      }
    };
    assertThatThrownBy(() -> crypto(null).forReading(broken, KEY, manifest("k1", OWNER)).readAllBytes())
        .isNotInstanceOf(ArchiveCrypto.DecryptionFailed.class).hasMessage("connection reset");
  }

  @Test
  void associatedDataBindsTheNameAndTheOwner() throws IOException {
    byte[] stored = encrypt("k1", KEY, OWNER);
    // the same bytes under another backup's name, or claimed by another owner: refused
    assertThatThrownBy(() -> decrypt(stored, "prod/2026-11-21T03-00-00Z.archive.gz", manifest("k1", OWNER)))
        .isInstanceOf(ArchiveCrypto.DecryptionFailed.class);
    assertThatThrownBy(() -> decrypt(stored, KEY, manifest("k1", new BackupManifest.Owner("shop", "other", "u1"))))
        .isInstanceOf(ArchiveCrypto.DecryptionFailed.class);
    // the name is relative to the prefix: a bucket copied under another prefix still restores
    assertThat(decrypt(stored, "copy/2026-11-20T03-00-00Z.archive.gz", manifest("k1", OWNER))).isEqualTo(plain);
  }

  @Test
  void aMissingOrMalformedKeyIsASettingsErrorNamingTheKeyIdNeverTheKey() throws IOException {
    assertThatThrownBy(() -> crypto("k9").requireBackupKey())
        .isInstanceOfSatisfying(AgentException.class, e -> assertThat(e.exitCode()).isEqualTo(2))
        .hasMessageContaining("needs encryption key id k9");
    byte[] stored = encrypt("k1", KEY, OWNER);
    Files.delete(keys.resolve("k1"));
    assertThatThrownBy(() -> decrypt(stored, KEY, manifest("k1", OWNER)))
        .isInstanceOfSatisfying(AgentException.class, e -> assertThat(e.exitCode()).isEqualTo(2))
        .hasMessageContaining("backup " + KEY + " needs encryption key id k1");
    Files.writeString(keys.resolve("short"), Base64.getEncoder().encodeToString(new byte[16]));
    assertThatThrownBy(() -> crypto("short").requireBackupKey())
        .hasMessageContaining("decodes to 16 bytes, not 32");
    Files.writeString(keys.resolve("text"), "not base64 at all!");
    assertThatThrownBy(() -> crypto("text").requireBackupKey()).hasMessageContaining("is not base64");
    assertThatThrownBy(() -> new ArchiveCrypto(new AgentEncryption(null, null, null))
        .forReading(new ByteArrayInputStream(stored), KEY, manifest("k1", OWNER)))
        .hasMessageContaining("no key Secret is mounted");
  }

  @Test
  void anUnencryptedManifestReadsTheBytesAsStored() throws IOException {
    BackupManifest m = new BackupManifest();
    assertThat(crypto(null).forReading(new ByteArrayInputStream(plain), KEY, m).readAllBytes()).isEqualTo(plain);
    assertThat(crypto(null).forUpload(new ByteArrayInputStream(plain), KEY, OWNER).readAllBytes()).isEqualTo(plain);
    assertThat(crypto(null).manifestEntry()).isNull();
  }
}
