package dev.turnout.backup;

import dev.turnout.apprelease.AppRelease;
import dev.turnout.apprelease.AppReleaseStatus;
import dev.turnout.apprelease.BackupGate;
import dev.turnout.apprelease.GateResult;
import dev.turnout.common.Labels;
import dev.turnout.common.Times;
import dev.turnout.common.WriteCounter;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.Map;

/**
 * spec.backupBeforePromotion: passes when the DatabaseBackup's newest complete backup is verified and completed no
 * earlier than the revision started; otherwise asks for one (turnout.dev/backup-now, one annotation patch per
 * revision) and waits. The AppRelease reconciler is told when the DatabaseBackup's status changes (an informer).
 */
@ApplicationScoped
public class DatabaseBackupGate implements BackupGate {
  @Inject KubernetesClient client;
  @Inject WriteCounter writes;

  public static String token(AppRelease release, AppReleaseStatus status) {
    return "apprelease-" + release.getMetadata().getName() + "-r" + status.currentRevision;
  }

  @Override
  public GateResult beforePromotion(AppRelease release, AppReleaseStatus status, Instant now) {
    String ns = release.getMetadata().getNamespace();
    String name = release.getSpec().backupBeforePromotion.name;
    DatabaseBackup backup = client.resources(DatabaseBackup.class).inNamespace(ns).withName(name).get();
    if (backup == null) {
      return GateResult.waiting("BackupNotFound",
          "waiting for a verified backup: DatabaseBackup " + ns + "/" + name + " (spec.backupBeforePromotion) does not exist");
    }
    Instant revisionStart = Times.parse(status.revisionStartedAt);
    DatabaseBackupStatus bs = backup.getStatus();
    DatabaseBackupStatus.BackupRecord last = bs == null ? null : bs.lastSuccessfulBackup;
    if (last != null && Boolean.TRUE.equals(last.verified) && last.completedAt != null
        && (revisionStart == null || !Times.parse(last.completedAt).isBefore(revisionStart))) {
      return GateResult.passed("BackupVerified",
          "verified backup " + last.object + " from DatabaseBackup " + name + " completed at " + last.completedAt);
    }
    String token = token(release, status);
    Map<String, String> annotations = backup.getMetadata().getAnnotations();
    if (annotations == null || !token.equals(annotations.get(Labels.BACKUP_NOW))) {
      // an annotation, not a spec write: a JSON merge patch of metadata.annotations only
      String patch = "{\"metadata\":{\"annotations\":{\"" + Labels.BACKUP_NOW + "\":\"" + token + "\"}}}";
      client.resources(DatabaseBackup.class).inNamespace(ns).withName(name).patch(PatchContext.of(PatchType.JSON_MERGE), patch);
      writes.write();
    }
    String failure = bs != null && bs.lastFailure != null && bs.lastFailure.time != null && revisionStart != null
            && !Times.parse(bs.lastFailure.time).isBefore(revisionStart)
        ? "; the last attempt failed at " + bs.lastFailure.time + ": " + bs.lastFailure.message
        : "";
    return GateResult.waiting("BackupRunning",
        "waiting for a verified backup from DatabaseBackup " + name + " completed after " + Times.format(revisionStart)
            + " (requested with " + Labels.BACKUP_NOW + "=" + token + ")" + failure);
  }
}
