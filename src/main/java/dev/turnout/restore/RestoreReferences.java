package dev.turnout.restore;

import dev.turnout.backup.BackupJobFactory;
import dev.turnout.backup.DatabaseBackup;
import dev.turnout.backup.NameLimits;
import dev.turnout.backup.StorageSpec;
import dev.turnout.backup.catalog.BackupManifest;
import dev.turnout.common.SecretChecks;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.List;

/**
 * What a DatabaseRestore refers to, read from the API server (Secrets and DatabaseBackups are not watched): the storage
 * it restores from, and whether everything its Job will need exists. Checked before the restore starts only: once its
 * Job exists, the Job has what it needs (its pod read the Secrets when it started).
 */
final class RestoreReferences {
  private final KubernetesClient client;

  RestoreReferences(KubernetesClient client) {
    this.client = client;
  }

  /** The DatabaseBackup whose backups "latest" considers: the backupRef's; null with storage only (every owner's). */
  static BackupManifest.Owner owner(DatabaseRestore restore) {
    DatabaseRestoreSpec.BackupRef ref = restore.getSpec().backupRef;
    return ref == null ? null : new BackupManifest.Owner(
        ref.namespace == null ? restore.getMetadata().getNamespace() : ref.namespace, ref.name, null);
  }

  /** The storage to restore from: the backupRef's (which must exist: see {@link #problems}), or the restore's own. */
  StorageSpec storageOf(DatabaseRestore restore) {
    DatabaseRestoreSpec spec = restore.getSpec();
    if (spec.backupRef == null) {
      return spec.storage;
    }
    String bns = spec.backupRef.namespace == null ? restore.getMetadata().getNamespace() : spec.backupRef.namespace;
    return client.resources(DatabaseBackup.class).inNamespace(bns).withName(spec.backupRef.name).get().getSpec().storage;
  }

  /** What is missing or wrong, each naming its field; empty when the restore may start. */
  List<String> problems(DatabaseRestore restore) {
    String ns = restore.getMetadata().getNamespace();
    DatabaseRestoreSpec spec = restore.getSpec();
    List<String> problems = new ArrayList<>();
    // the CRD refuses such names; this catches those created under an older CRD
    NameLimits.nameProblem("DatabaseRestore", restore.getMetadata().getName(), NameLimits.MAX_RESTORE_NAME,
        "Job " + BackupJobFactory.restoreJobName(restore)).ifPresent(problems::add);
    SecretChecks.missing(client, ns, "spec.target.uriSecretRef", spec.target.uriSecretRef.name, List.of(spec.target.uriSecretRef.key))
        .ifPresent(problems::add);
    StorageSpec storage = null;
    String field = "spec.storage.s3.credentialsSecretRef";
    if (spec.backupRef != null) {
      String bns = spec.backupRef.namespace == null ? ns : spec.backupRef.namespace;
      DatabaseBackup b = client.resources(DatabaseBackup.class).inNamespace(bns).withName(spec.backupRef.name).get();
      if (b == null) {
        problems.add("spec.backupRef: DatabaseBackup " + bns + "/" + spec.backupRef.name + " does not exist");
      } else {
        storage = b.getSpec().storage;
        field = "spec.backupRef: the storage credentials Secret (needed in this namespace)";
      }
    } else if (spec.storage != null && spec.storage.s3 != null) {
      storage = spec.storage;
    } else {
      problems.add("spec: set backupRef or storage");
    }
    if (storage != null) {
      storage.s3.credentialsSecretRef.problem(client, ns, field).ifPresent(problems::add);
      if (storage.s3.jobCredentialsSecretRef != null) {
        // the restore Job reads with the Jobs' credentials (no delete) when they are set
        storage.s3.jobCredentialsSecretRef.problem(client, ns, spec.backupRef == null ? "spec.storage.s3.jobCredentialsSecretRef"
            : "spec.backupRef: the Jobs' storage credentials Secret (jobCredentialsSecretRef, needed in this namespace)")
            .ifPresent(problems::add);
      }
      // the restore Job mounts the key Secret in the restore's namespace
      storage.encryptionProblem(client, ns, spec.backupRef == null ? "spec.storage.clientSideEncryption.keySecretRef"
          : "spec.backupRef: the encryption key Secret (clientSideEncryption.keySecretRef, needed in this namespace)")
          .ifPresent(problems::add);
    }
    return problems;
  }
}
