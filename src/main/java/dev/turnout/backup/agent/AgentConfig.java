package dev.turnout.backup.agent;

import dev.turnout.backup.catalog.S3Settings;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The agent's settings, from environment variables only (the Job's pod gets the secret ones from Secrets at start).
 *
 * <p>Secret: MONGODB_URI, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY. Not secret: S3_ENDPOINT, S3_REGION, S3_BUCKET,
 * S3_PREFIX, S3_FORCE_PATH_STYLE, DATABASES (comma-separated; empty = all), VERIFY_MODE (Checksum | RestoreTest),
 * TIME_ZONE, MONGODUMP, MONGORESTORE, MONGOD (binary paths), and for verify/restore OBJECT (key or "latest"),
 * EXPECTED_SHA256, DROP, NS_FROM, NS_TO; S3_PART_SIZE_MB (tuning, default 16); RESTORE_ID (restores: names the staging
 * collections); TERMINATION_MESSAGE_PATH (where the final JSON result also goes, for the pod's status);
 * MONGO_SERVER_SELECTION_TIMEOUT_MS (default 30000, the driver's); JOB_NAME (the Job's name, from the pod's
 * job-name label, recorded in the manifest so the operator can tell which Job wrote which backup); OWNER_NAMESPACE,
 * OWNER_NAME, OWNER_UID (the DatabaseBackup the Job runs for: recorded in the manifest of a backup, and the owner whose
 * backups {@code latest}, verification and the {@code drill} command consider: a drill restores the newest verified
 * one into the throwaway mongod at MONGOD); POINT_IN_TIME (restores: IfAvailable, the default, replays the oplog of a
 * backup taken with mongodump --oplog through a throwaway mongod, Required refuses a backup without one, Off never
 * replays; see {@link PointInTimeRestore}). Encryption ({@link AgentEncryption}): ENCRYPTION_KEY_DIR (the mount path
 * of the key Secret, one file per key id), ENCRYPTION_KEY_ID (the key new backups use; reads use the key id their
 * manifest names), S3_SSE (AES256 | aws:kms) and S3_SSE_KMS_KEY_ID (server-side encryption asked on every write).
 * {@link #toString()} shows no secret.
 */
public record AgentConfig(
    String mongodbUri,
    S3Settings s3,
    List<String> databases,
    String verifyMode,
    ZoneId timeZone,
    String mongodump,
    String mongorestore,
    String mongod,
    String object,
    String expectedSha256,
    boolean drop,
    String nsFrom,
    String nsTo,
    int partSizeBytes,
    String jobName,
    String restoreId,
    String terminationMessagePath,
    int serverSelectionTimeoutMs,
    String ownerNamespace,
    String ownerName,
    String ownerUid,
    String pointInTime,
    AgentEncryption encryption) {

  public static AgentConfig fromEnv(Map<String, String> env) {
    S3Settings s3 =
        new S3Settings(
            blankToNull(env.get("S3_ENDPOINT")),
            blankToNull(env.get("S3_REGION")),
            blankToNull(env.get("S3_BUCKET")),
            env.getOrDefault("S3_PREFIX", ""),
            Boolean.parseBoolean(env.getOrDefault("S3_FORCE_PATH_STYLE", "false").trim()),
            blankToNull(env.get("AWS_ACCESS_KEY_ID")),
            blankToNull(env.get("AWS_SECRET_ACCESS_KEY")));
    List<String> dbs = new ArrayList<>();
    for (String d : env.getOrDefault("DATABASES", "").split(",")) {
      if (!d.isBlank()) {
        dbs.add(d.trim());
      }
    }
    String mode = env.getOrDefault("VERIFY_MODE", "Checksum").trim();
    if (mode.isEmpty()) {
      mode = "Checksum";
    }
    if (!mode.equals("Checksum") && !mode.equals("RestoreTest")) {
      throw new AgentException("VERIFY_MODE must be Checksum or RestoreTest, not \"" + mode + "\"", 2);
    }
    ZoneId zone;
    try {
      String tz = env.getOrDefault("TIME_ZONE", "");
      zone = ZoneId.of(tz.isBlank() ? "Etc/UTC" : tz.trim());
    } catch (RuntimeException e) {
      throw new AgentException("TIME_ZONE is not a valid IANA zone: " + env.get("TIME_ZONE"), 2);
    }
    return new AgentConfig(
        blankToNull(env.get("MONGODB_URI")),
        s3,
        List.copyOf(dbs),
        mode,
        zone,
        env.getOrDefault("MONGODUMP", "mongodump"),
        env.getOrDefault("MONGORESTORE", "mongorestore"),
        env.getOrDefault("MONGOD", "mongod"),
        blankToNull(env.get("OBJECT")),
        blankToNull(env.get("EXPECTED_SHA256")),
        Boolean.parseBoolean(env.getOrDefault("DROP", "false").trim()),
        blankToNull(env.get("NS_FROM")),
        blankToNull(env.get("NS_TO")),
        partSize(env.get("S3_PART_SIZE_MB")),
        blankToNull(env.get("JOB_NAME")),
        restoreId(env.get("RESTORE_ID")),
        blankToNull(env.get("TERMINATION_MESSAGE_PATH")),
        serverSelectionTimeout(env.get("MONGO_SERVER_SELECTION_TIMEOUT_MS")),
        blankToNull(env.get("OWNER_NAMESPACE")),
        blankToNull(env.get("OWNER_NAME")),
        blankToNull(env.get("OWNER_UID")),
        PointInTimeRestore.Mode.parse(env.get("POINT_IN_TIME")).name(),
        AgentEncryption.fromEnv(env));
  }

  /** The DatabaseBackup this Job runs for, or null when OWNER_NAME is not set (a Job of an older operator, a CLI run). */
  public dev.turnout.backup.catalog.BackupManifest.Owner owner() {
    return ownerName == null ? null : new dev.turnout.backup.catalog.BackupManifest.Owner(ownerNamespace, ownerName, ownerUid);
  }

  /** Fails with a message naming the missing variables. */
  void require(boolean needsUri) {
    List<String> missing = new ArrayList<>();
    if (needsUri && mongodbUri == null) {
      missing.add("MONGODB_URI");
    }
    if (s3.bucket() == null) {
      missing.add("S3_BUCKET");
    }
    if (s3.accessKeyId() == null) {
      missing.add("AWS_ACCESS_KEY_ID");
    }
    if (s3.secretAccessKey() == null) {
      missing.add("AWS_SECRET_ACCESS_KEY");
    }
    if (!missing.isEmpty()) {
      throw new AgentException("missing environment variables: " + String.join(", ", missing), 2);
    }
    if ((nsFrom == null) != (nsTo == null)) {
      throw new AgentException("NS_FROM and NS_TO must be set together", 2);
    }
  }

  /**
   * S3_PART_SIZE_MB (5..512, default 16): size of the first multipart parts; later parts grow ({@link PartSizes}) so
   * that an archive of up to 5 TiB fits in S3's 10,000 parts.
   */
  private static int partSize(String mb) {
    if (mb == null || mb.isBlank()) {
      return 16 * 1024 * 1024;
    }
    try {
      int v = Integer.parseInt(mb.trim());
      if (v >= 5 && v <= 512) {
        return v * 1024 * 1024;
      }
    } catch (NumberFormatException e) {
      // fall through
    }
    throw new AgentException("S3_PART_SIZE_MB must be a whole number from 5 to 512, not \"" + mb + "\"", 2);
  }

  /**
   * RESTORE_ID names a restore's staging collections ({@code <db>.__turnout_restore_<id>.<coll>}); the operator passes
   * the DatabaseRestore's uid so a retried pod finds and drops what an interrupted one left. A run by hand gets one.
   */
  private static String restoreId(String id) {
    if (id == null || id.isBlank()) {
      return java.util.UUID.randomUUID().toString().substring(0, 8);
    }
    String s = id.trim().toLowerCase(java.util.Locale.ROOT).replace("-", "");
    return s.length() > 8 ? s.substring(0, 8) : s;
  }

  /** The driver's default server selection timeout is 30 s (MongoDB driver docs, serverSelectionTimeoutMS). */
  private static int serverSelectionTimeout(String ms) {
    if (ms == null || ms.isBlank()) {
      return 30_000;
    }
    try {
      int v = Integer.parseInt(ms.trim());
      if (v > 0) {
        return v;
      }
    } catch (NumberFormatException e) {
      // fall through
    }
    throw new AgentException("MONGO_SERVER_SELECTION_TIMEOUT_MS must be a positive whole number, not \"" + ms + "\"", 2);
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.trim();
  }

  @Override
  public String toString() {
    return "AgentConfig[mongodbUri=" + (mongodbUri == null ? "null" : "***") + ", s3=" + s3 + ", databases="
        + databases + ", verifyMode=" + verifyMode + ", timeZone=" + timeZone + ", object=" + object + "]";
  }
}
