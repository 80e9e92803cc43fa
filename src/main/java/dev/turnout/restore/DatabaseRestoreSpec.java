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
