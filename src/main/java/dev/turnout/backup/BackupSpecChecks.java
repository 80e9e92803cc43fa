package dev.turnout.backup;

import dev.turnout.common.SecretChecks;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;

/**
 * What only the operator can check in a DatabaseBackup's spec (the CRD checks the rest): the Secrets it names, its time
 * zone and schedule, and limits older CRDs did not enforce. Each problem names its field, for the Ready condition.
 */
final class BackupSpecChecks {
  private BackupSpecChecks() {}

  /** The zone the schedule runs in: spec.timeZone, or UTC when unset. Call only on a spec without problems. */
  static ZoneId zone(DatabaseBackupSpec spec) {
    return ZoneId.of(spec.timeZone == null || spec.timeZone.isBlank() ? "Etc/UTC" : spec.timeZone);
  }

  /** The spec's problems (reads the Secrets it names: they are not watched), empty when it is valid. */
  static List<String> problems(KubernetesClient client, DatabaseBackup backup) {
    String ns = backup.getMetadata().getNamespace();
    DatabaseBackupSpec spec = backup.getSpec();
    List<String> problems = new ArrayList<>();
    // the CRD refuses such names; this catches those created under an older CRD
    NameLimits.nameProblem("DatabaseBackup", backup.getMetadata().getName(), NameLimits.MAX_BACKUP_NAME,
        "CronJob " + BackupJobFactory.cronJobName(backup)).ifPresent(problems::add);
    String zone = spec.timeZone == null ? "Etc/UTC" : spec.timeZone;
    try {
      ZoneId.of(zone);
    } catch (DateTimeException e) {
      problems.add("spec.timeZone: unknown IANA time zone " + zone);
    }
    CronSchedule.validate(spec.schedule).ifPresent(p -> problems.add("spec.schedule: " + p));
    SecretChecks.missing(client, ns, "spec.mongodb.uriSecretRef", spec.mongodb.uriSecretRef.name, List.of(spec.mongodb.uriSecretRef.key))
        .ifPresent(problems::add);
    spec.storage.s3.credentialsSecretRef.problem(client, ns, "spec.storage.s3.credentialsSecretRef").ifPresent(problems::add);
    if (spec.storage.s3.jobCredentialsSecretRef != null) {
      spec.storage.s3.jobCredentialsSecretRef.problem(client, ns, "spec.storage.s3.jobCredentialsSecretRef").ifPresent(problems::add);
    }
    spec.storage.encryptionProblem(client, ns, "spec.storage.clientSideEncryption.keySecretRef").ifPresent(problems::add);
    // the CRD refuses more than one since issue 11; this catches those created under an older CRD (the agent exits 2)
    if (spec.mongodb.databases != null && spec.mongodb.databases.size() > 1) {
      problems.add("spec.mongodb.databases lists " + spec.mongodb.databases.size() + " databases, but mongodump dumps one"
          + " database or all: list one (or none for all), and create one DatabaseBackup per database to dump several");
    }
    return problems;
  }
}
