package dev.turnout.backup;

import dev.turnout.common.EventRecorder;
import dev.turnout.common.SecretChecks;
import dev.turnout.common.StatusPatcher;
import dev.turnout.common.ValidationReport;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;

/** Validates a DatabaseBackup (Secrets, time zone, schedule) and reports Ready naming the bad field. */
@ControllerConfiguration(name = "databasebackup", generationAwareEventProcessing = false)
public class DatabaseBackupReconciler implements Reconciler<DatabaseBackup> {
  @Inject KubernetesClient client;
  @Inject Clock clock;
  @Inject EventRecorder events;

  @Override
  public UpdateControl<DatabaseBackup> reconcile(DatabaseBackup backup, Context<DatabaseBackup> context) {
    Instant now = clock.instant();
    DatabaseBackupStatus before = backup.getStatus();
    DatabaseBackupStatus status = before == null ? new DatabaseBackupStatus() : Serialization.clone(before);
    status.observedGeneration = backup.getMetadata().getGeneration();
    List<String> problems = problems(backup);
    status.conditions = ValidationReport.ready(events, backup, status.conditions, problems, "schedule, storage and Secrets valid", now);
    StatusPatcher.patchIfChanged(client, backup, before, status);
    // Secrets are not watched (that would need list/watch on every Secret): re-check them periodically
    return UpdateControl.<DatabaseBackup>noUpdate().rescheduleAfter(Duration.ofSeconds(problems.isEmpty() ? 300 : 30));
  }

  List<String> problems(DatabaseBackup backup) {
    String ns = backup.getMetadata().getNamespace();
    DatabaseBackupSpec spec = backup.getSpec();
    List<String> problems = new ArrayList<>();
    String zone = spec.timeZone == null ? "Etc/UTC" : spec.timeZone;
    try {
      ZoneId.of(zone);
    } catch (DateTimeException e) {
      problems.add("spec.timeZone: unknown IANA time zone " + zone);
    }
    CronSchedule.validate(spec.schedule).ifPresent(p -> problems.add("spec.schedule: " + p));
    SecretChecks.missing(client, ns, "spec.mongodb.uriSecretRef", spec.mongodb.uriSecretRef.name, List.of(spec.mongodb.uriSecretRef.key))
        .ifPresent(problems::add);
    var creds = spec.storage.s3.credentialsSecretRef;
    SecretChecks.missing(client, ns, "spec.storage.s3.credentialsSecretRef", creds.name,
            List.of(creds.accessKeyIdKey == null ? "AWS_ACCESS_KEY_ID" : creds.accessKeyIdKey,
                creds.secretAccessKeyKey == null ? "AWS_SECRET_ACCESS_KEY" : creds.secretAccessKeyKey))
        .ifPresent(problems::add);
    return problems;
  }
}
