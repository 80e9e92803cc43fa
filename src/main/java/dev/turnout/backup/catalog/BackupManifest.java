package dev.turnout.backup.catalog;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code <base>.manifest.json} object. Its existence means the archive's upload completed after mongodump exited 0;
 * {@code verified} is null until verification ran, then true or false (with {@code verifyError}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonPropertyOrder({
  "formatVersion", "object", "job", "owner", "sizeBytes", "sha256", "startedAt", "completedAt", "mongodumpVersion", "agentVersion",
  "databases", "counts", "pointInTime", "topology", "encryption", "verified", "verifiedAt", "verifyMode", "verifyError"
})
public class BackupManifest {
  public static final int FORMAT_VERSION = 1;
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** Layout version of this JSON document. */
  public int formatVersion = FORMAT_VERSION;
  /** Object key of the archive. */
  public String object;
  /**
   * Name of the Job that wrote this backup (the agent's JOB_NAME); how the operator matches a finished Job to its
   * backup. Absent in manifests of agents older than this field.
   */
  public String job;
  /**
   * The DatabaseBackup whose Job wrote this backup (agent env OWNER_NAMESPACE, OWNER_NAME, OWNER_UID). Retention,
   * {@code latest} and status consider only the backups whose owner namespace and name match. Absent in manifests of
   * agents older than this field: such backups belong to nobody (never pruned, never {@code latest} for an owner).
   */
  public Owner owner;
  public long sizeBytes;
  /** Lower-case hex sha256 of the archive object's bytes. */
  public String sha256;
  /** RFC 3339 UTC, when mongodump started. */
  public String startedAt;
  /** RFC 3339 UTC, when the upload completed (just before the manifest was written). */
  public String completedAt;
  /** First line of {@code mongodump --version}. */
  public String mongodumpVersion;
  public String agentVersion;
  /** Databases asked for; empty means all. */
  public List<String> databases = new ArrayList<>();
  /** Documents per namespace ({@code db.collection}) as reported by mongodump; empty when not available. */
  public Map<String, Long> counts = new LinkedHashMap<>();
  /** True when mongodump ran with --oplog: the dump is consistent at one instant (replica sets, full dumps only). */
  public Boolean pointInTime;
  /** replicaSet, standalone or sharded, as the server answered hello when the backup started. */
  public String topology;
  /**
   * The dumped server's version (buildInfo) when the backup started; null when it did not answer (and in manifests of
   * older agents). A point-in-time restore replays the oplog only into a scratch mongod of the same major version.
   */
  public String serverVersion;
  /**
   * How the archive object is encrypted; absent: not encrypted by Turnout (manifests of agents older than this field
   * too). sizeBytes and sha256 are always those of the STORED object (ciphertext when client-side encrypted), so a
   * checksum needs no key.
   */
  public Encryption encryption;
  public Boolean verified;
  public String verifiedAt;
  /** Checksum or RestoreTest. */
  public String verifyMode;
  /** Why verification failed, when verified is false. */
  public String verifyError;

  /**
   * A DatabaseBackup as recorded in a manifest. Ownership is by namespace and name; the uid is recorded for people (a
   * DatabaseBackup deleted and created again under the same name adopts the backups of its predecessor).
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  @JsonPropertyOrder({"namespace", "name", "uid"})
  public static class Owner {
    public String namespace;
    public String name;
    public String uid;

    public Owner() {}

    public Owner(String namespace, String name, String uid) {
      this.namespace = namespace;
      this.name = name;
      this.uid = uid;
    }

    /** Same namespace and name (the uid is not compared: see the class comment). */
    public boolean sameAs(Owner other) {
      return other != null && java.util.Objects.equals(namespace, other.namespace) && java.util.Objects.equals(name, other.name);
    }

    /** {@code namespace/name}. */
    @Override
    public String toString() {
      return namespace + "/" + name;
    }
  }

  /** The manifest's {@code encryption}: client-side (the agent's) and server-side (asked of S3), each optional. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  @JsonPropertyOrder({"clientSide", "serverSide"})
  public static class Encryption {
    public ClientSide clientSide;
    public ServerSideEncryption serverSide;
  }

  /**
   * Client-side encryption: {@code scheme} (AES256_GCM_HKDF_1MB: Tink's streaming AEAD AES-GCM-HKDF with 1 MiB
   * segments) and {@code keyId}, the key's name in the Secret of spec.storage.clientSideEncryption.keySecretRef.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  @JsonPropertyOrder({"scheme", "keyId"})
  public static class ClientSide {
    public String scheme;
    public String keyId;

    public ClientSide() {}

    public ClientSide(String scheme, String keyId) {
      this.scheme = scheme;
      this.keyId = keyId;
    }
  }

  /** The client-side key id, or null when the archive is not client-side encrypted. */
  public String clientSideKeyId() {
    return encryption == null || encryption.clientSide == null ? null : encryption.clientSide.keyId;
  }

  /** verified == true (not a bean getter, so it does not shadow the JSON property). */
  public boolean passedVerification() {
    return Boolean.TRUE.equals(verified);
  }

  public byte[] toJson() {
    try {
      return JSON.writeValueAsBytes(this);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public String toJsonString() {
    return new String(toJson(), StandardCharsets.UTF_8);
  }

  public static BackupManifest parse(byte[] json) {
    try {
      return JSON.readValue(json, BackupManifest.class);
    } catch (IOException e) {
      throw new IllegalArgumentException("not a Turnout backup manifest: " + e.getMessage(), e);
    }
  }
}
