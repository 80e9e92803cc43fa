package dev.turnout.backup.agent;

import dev.turnout.backup.catalog.ServerSideEncryption;
import java.nio.file.Path;
import java.util.Map;

/**
 * The agent's encryption settings (see {@link AgentConfig} for the variables): ENCRYPTION_KEY_DIR, the directory the
 * key Secret is mounted at (one file per key: name = key id, content = base64 of 32 bytes); ENCRYPTION_KEY_ID, the key
 * new backups are encrypted with (restores and verification use the key id their manifest names); S3_SSE and
 * S3_SSE_KMS_KEY_ID, the server-side encryption asked of S3 on every write.
 *
 * @param keyDir null: no client-side keys (backups are written unencrypted; an encrypted backup cannot be read)
 * @param keyId null: new backups are not client-side encrypted
 * @param sse null: no server-side encryption header (the bucket's default applies)
 */
public record AgentEncryption(Path keyDir, String keyId, ServerSideEncryption sse) {
  public static final AgentEncryption NONE = new AgentEncryption(null, null, null);

  static AgentEncryption fromEnv(Map<String, String> env) {
    String dir = blankToNull(env.get("ENCRYPTION_KEY_DIR"));
    String id = blankToNull(env.get("ENCRYPTION_KEY_ID"));
    if (id != null && dir == null) {
      throw new AgentException("ENCRYPTION_KEY_ID is " + id + " but ENCRYPTION_KEY_DIR (where the key Secret is mounted) is not set", 2);
    }
    if (id != null && !ArchiveKeys.validId(id)) {
      throw new AgentException("ENCRYPTION_KEY_ID \"" + id + "\" is not a valid Secret key (letters, digits, '-', '_', '.')", 2);
    }
    ServerSideEncryption sse;
    try {
      sse = ServerSideEncryption.fromEnv(env.get("S3_SSE"), env.get("S3_SSE_KMS_KEY_ID"));
    } catch (IllegalArgumentException e) {
      throw new AgentException(e.getMessage(), 2);
    }
    return new AgentEncryption(dir == null ? null : Path.of(dir), id, sse);
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.trim();
  }
}
