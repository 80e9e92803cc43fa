package dev.turnout.restore;

import dev.turnout.backup.DatabaseBackup;
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
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Validates a DatabaseRestore's references and reports Ready and its phase. */
@ControllerConfiguration(name = "databaserestore")
public class DatabaseRestoreReconciler implements Reconciler<DatabaseRestore> {
  @Inject KubernetesClient client;
  @Inject Clock clock;
  @Inject EventRecorder events;

  @Override
  public UpdateControl<DatabaseRestore> reconcile(DatabaseRestore restore, Context<DatabaseRestore> context) {
    Instant now = clock.instant();
    DatabaseRestoreStatus before = restore.getStatus();
    DatabaseRestoreStatus status = before == null ? new DatabaseRestoreStatus() : Serialization.clone(before);
    status.observedGeneration = restore.getMetadata().getGeneration();
    List<String> problems = problems(restore);
    status.conditions = ValidationReport.ready(events, restore, status.conditions, problems, "references valid", now);
    if (status.phase == null) {
      status.phase = "Pending";
    }
    status.message = problems.isEmpty() ? "waiting to start" : String.join("; ", problems);
    StatusPatcher.patchIfChanged(client, restore, before, status);
    return problems.isEmpty() ? UpdateControl.noUpdate() : UpdateControl.<DatabaseRestore>noUpdate().rescheduleAfter(Duration.ofSeconds(30));
  }

  List<String> problems(DatabaseRestore restore) {
    String ns = restore.getMetadata().getNamespace();
    DatabaseRestoreSpec spec = restore.getSpec();
    List<String> problems = new ArrayList<>();
    SecretChecks.missing(client, ns, "spec.target.uriSecretRef", spec.target.uriSecretRef.name, List.of(spec.target.uriSecretRef.key))
        .ifPresent(problems::add);
    if (spec.backupRef != null) {
      String bns = spec.backupRef.namespace == null ? ns : spec.backupRef.namespace;
      if (client.resources(DatabaseBackup.class).inNamespace(bns).withName(spec.backupRef.name).get() == null) {
        problems.add("spec.backupRef: DatabaseBackup " + bns + "/" + spec.backupRef.name + " does not exist");
      }
    } else if (spec.storage != null && spec.storage.s3 != null) {
      var creds = spec.storage.s3.credentialsSecretRef;
      SecretChecks.missing(client, ns, "spec.storage.s3.credentialsSecretRef", creds.name,
              List.of(creds.accessKeyIdKey == null ? "AWS_ACCESS_KEY_ID" : creds.accessKeyIdKey,
                  creds.secretAccessKeyKey == null ? "AWS_SECRET_ACCESS_KEY" : creds.secretAccessKeyKey))
          .ifPresent(problems::add);
    } else {
      problems.add("spec: set backupRef or storage");
    }
    return problems;
  }
}
