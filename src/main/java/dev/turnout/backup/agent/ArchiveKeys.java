package dev.turnout.backup.agent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Base64;
import java.util.regex.Pattern;

/**
 * The client-side encryption keys, read from the directory the key Secret is mounted at: as a kubelet projects a
 * Secret volume, every data key is a file whose content is the decoded value, here the base64 text of 32 random bytes
 * ({@code openssl rand -base64 32}). Keys are read when needed, by id, so a Secret holding old and new keys (rotation)
 * serves restores of old backups while new ones use the new key. A missing or malformed key is a settings problem
 * (exit 2) naming the key id, never the key.
 */
final class ArchiveKeys {
  /** A Secret's data keys: https://kubernetes.io/docs/concepts/configuration/secret/ ("[-._a-zA-Z0-9]+"). */
  private static final Pattern ID = Pattern.compile("[-._a-zA-Z0-9]{1,253}");
  static final int KEY_BYTES = 32;

  private final Path dir;

  ArchiveKeys(Path dir) {
    this.dir = dir;
  }

  static boolean validId(String id) {
    return id != null && ID.matcher(id).matches() && !id.equals(".") && !id.equals("..");
  }

  /** The 32 key bytes of {@code keyId}; {@code forWhat} says what needs it, for the message. */
  byte[] key(String keyId, String forWhat) {
    String where = "the key Secret (spec.storage.clientSideEncryption.keySecretRef)";
    if (dir == null) {
      throw new AgentException(forWhat + " needs encryption key id " + keyId + ", but no key Secret is mounted"
          + " (ENCRYPTION_KEY_DIR unset): set spec.storage.clientSideEncryption", 2);
    }
    if (!validId(keyId)) {
      throw new AgentException(forWhat + " names encryption key id \"" + keyId + "\", which is not a valid Secret key", 2);
    }
    String text;
    try {
      text = Files.readString(dir.resolve(keyId), StandardCharsets.US_ASCII).trim();
    } catch (NoSuchFileException e) {
      throw new AgentException(forWhat + " needs encryption key id " + keyId + ", which " + where + " does not hold;"
          + " keep old keys in the Secret as long as backups encrypted with them are kept", 2);
    } catch (IOException e) {
      // AccessDeniedException's message is only the path: name the class, which says why
      throw new AgentException("reading encryption key id " + keyId + " from " + where + " failed: "
          + e.getClass().getSimpleName() + " " + e.getMessage()
          + (e instanceof java.nio.file.AccessDeniedException ? " (the Secret's files must be readable by the agent's user or group)" : ""), 2);
    }
    byte[] key;
    try {
      key = Base64.getDecoder().decode(text.replaceAll("\\s", ""));
    } catch (IllegalArgumentException e) {
      throw new AgentException("encryption key id " + keyId + " in " + where + " is not base64 (make one with"
          + " `openssl rand -base64 32`)", 2);
    }
    if (key.length != KEY_BYTES) {
      throw new AgentException("encryption key id " + keyId + " in " + where + " decodes to " + key.length
          + " bytes, not " + KEY_BYTES + " (make one with `openssl rand -base64 32`)", 2);
    }
    return key;
  }
}
