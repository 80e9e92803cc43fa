package dev.turnout.restore;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.turnout.backup.StorageSpec;
import dev.turnout.common.SecretKeyRef;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.generator.annotation.ValidationRules;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRules({
  @ValidationRule(
      value = "has(self.backupRef) != has(self.storage)",
      message = "set exactly one of backupRef or storage"),
  @ValidationRule(
      value = "has(self.nsFrom) == has(self.nsTo) && (!has(self.nsFrom) || (self.nsFrom == '') == (self.nsTo == ''))",
      message = "nsFrom and nsTo are set together"),
  @ValidationRule(value = "self == oldSelf", message = "a DatabaseRestore is immutable; create a new one")
})
public class DatabaseRestoreSpec {
  @JsonPropertyDescription("DatabaseBackup whose storage settings to use; may be in another namespace.")
  public BackupRef backupRef;

  @Required
  @Size(min = 1, max = 1024)
  @JsonPropertyDescription("Object key of the archive to restore, or 'latest' for the newest verified backup.")
  public String object;

  @JsonPropertyDescription("Storage settings, when there is no backupRef (e.g. a fresh cluster).")
  public StorageSpec storage;

  @Required
  @JsonPropertyDescription("The MongoDB to restore into.")
  public Target target;

  @Default("false")
  @JsonPropertyDescription("Drop each collection before restoring it (mongorestore --drop).")
  public Boolean drop;

  @JsonPropertyDescription("Namespace pattern to rename from, e.g. auto_author.* (mongorestore --nsFrom).")
  public String nsFrom;

  @JsonPropertyDescription("Namespace pattern to rename to, e.g. auto_author_staging.* (mongorestore --nsTo).")
  public String nsTo;

  @JsonPropertyDescription("Image with mongorestore and the Turnout backup agent. Default: the operator's backup image.")
  public String image;

  @Default("IfAvailable")
  @JsonPropertyDescription(
      "IfAvailable: a backup taken with mongodump --oplog (replica set, all databases; manifest pointInTime) is restored"
          + " as the data was when its dump ended: the Job restores it into a throwaway mongod with mongorestore"
          + " --oplogReplay, then restores that server's data as usual (staging collections, counts, swap). A backup"
          + " without an oplog is restored as dumped. Required: as IfAvailable, but a backup without an oplog fails the"
          + " restore before anything touches the target. Off: never replay; the collections as dumped.")
  public PointInTime pointInTime;

  @Default("10Gi")
  @io.fabric8.generator.annotation.Pattern("^[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$")
  @JsonPropertyDescription(
      "Size limit of the restore Job's /tmp emptyDir when the backup's oplog is replayed: the throwaway mongod holds"
          + " the whole backup, uncompressed, there. Past it the kubelet evicts the pod and the restore fails with the"
          + " target unchanged, instead of filling the node's disk. Without a replay /tmp is limited to 256Mi.")
  public String scratchSizeLimit;

  /** Whether the oplog of a point-in-time backup is replayed (agent env POINT_IN_TIME). */
  public enum PointInTime {
    IfAvailable,
    Required,
    Off
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class BackupRef {
    @Required
    @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
    @JsonPropertyDescription("Name of the DatabaseBackup.")
    public String name;

    @JsonPropertyDescription("Namespace of the DatabaseBackup. Default: this restore's namespace.")
    public String namespace;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Target {
    @Required
    @JsonPropertyDescription("Secret key holding the target's MongoDB connection string.")
    public SecretKeyRef uriSecretRef;
  }
}
