package dev.turnout.backup.agent;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The archive as it streams into mongorestore, hashed on the way: at its end the size and sha256 must equal the
 * manifest's, else reading fails. The first full read already checked the object; this catches an object replaced
 * between the two reads (If-Match on the ETag catches most, not every S3-compatible store honours it). A failure here
 * comes after mongorestore saw the bytes, which is why restores go into staging collections first.
 */
final class VerifyingStream extends FilterInputStream {
  private final long expectedSize;
  private final String expectedSha256;
  private final String key;
  private final MessageDigest sha;
  private long count;
  private boolean checked;

  VerifyingStream(InputStream in, long expectedSize, String expectedSha256, String key) {
    super(in);
    this.expectedSize = expectedSize;
    this.expectedSha256 = expectedSha256;
    this.key = key;
    try {
      this.sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n = in.read(b, off, len);
    if (n > 0) {
      sha.update(b, off, n);
      count += n;
    } else if (n < 0) {
      checkAtEnd();
    }
    return n;
  }

  private void checkAtEnd() throws IOException {
    if (checked) {
      return;
    }
    checked = true;
    String actual = HexFormat.of().formatHex(sha.digest());
    if (count != expectedSize || !actual.equals(expectedSha256)) {
      throw new IOException("the object changed while restoring " + key + ": second read has " + count
          + " bytes and sha256 " + actual + ", the manifest says " + expectedSize + " bytes and " + expectedSha256);
    }
  }
}
