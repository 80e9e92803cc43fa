package dev.turnout.backup;

import dev.turnout.apprelease.AppRelease;
import dev.turnout.apprelease.AppReleaseStatus;
import dev.turnout.apprelease.BackupGate;
import dev.turnout.apprelease.GateResult;
import dev.turnout.common.Conditions;
import dev.turnout.common.Labels;
import dev.turnout.common.Times;
import dev.turnout.common.ValidationReport;
import dev.turnout.common.WriteCounter;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * spec.backupBeforePromotion: passes when the DatabaseBackup holds a verified backup that completed no earlier than the
 * revision started. Several releases may share one DatabaseBackup, and its turnout.dev/backup-now annotation holds one
 * request at a time, so a release does not insist on its own request: any backup that completes after its revision
 * started will do. It asks (one annotation patch, at most once per revision, recorded in status.backupRequestToken)
 * only when no request is waiting to be started (an annotation value the DatabaseBackup has not acted upon) and no
 * backup Job is running (status.runningJobs): both complete later, so after its revision started. A request that ends
 * without a verified backup is not repeated: the gate waits, showing the failure, until progressDeadlineSeconds. The
 * AppRelease reconciler is told when the DatabaseBackup changes (an informer).
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
    DatabaseBackupStatus bs = backup.getStatus() == null ? new DatabaseBackupStatus() : backup.getStatus();
    Map<String, String> annotations = backup.getMetadata().getAnnotations();
    String requested = annotations == null ? null : annotations.get(Labels.BACKUP_NOW);
    boolean pending = requested != null && !requested.isBlank() && !requested.equals(bs.lastBackupNowToken);
    List<DatabaseBackupStatus.RunningJob> running = bs.runningJobs == null ? List.of() : bs.runningJobs;
    // a Job running (or requested, not started) when the gate looks completes after this revision started: remember it,
    // so that its backup passes without comparing any clocks
    String awaitedNow = pending ? BackupJobFactory.onDemandJobName(backup, requested)
        : running.isEmpty() ? null : running.get(running.size() - 1).job;
    Set<String> causal = new HashSet<>();
    causal.add(BackupJobFactory.onDemandJobName(backup, token(release, status)));
    if (status.backupAwaited != null && Objects.equals(status.backupAwaited.revision, status.currentRevision)) {
      causal.add(status.backupAwaited.job); // seen before: it may have finished since
    }
    if (awaitedNow != null) {
      causal.add(awaitedNow);
      if (status.backupAwaited == null || !Objects.equals(status.backupAwaited.revision, status.currentRevision)
          || !awaitedNow.equals(status.backupAwaited.job)) {
        status.backupAwaited = new AppReleaseStatus.BackupAwaited();
        status.backupAwaited.revision = status.currentRevision;
        status.backupAwaited.job = awaitedNow;
      }
    }
    Optional<DatabaseBackupStatus.BackupRecord> fresh = fresh(bs, revisionStart, causal);
    if (fresh.isPresent()) {
      return GateResult.passed(PASSED,
          "verified backup " + fresh.get().object + " from DatabaseBackup " + name + " completed at " + fresh.get().completedAt);
    }
    String waiting = "waiting for a verified backup from DatabaseBackup " + name + " completed after " + Times.format(revisionStart);
    String own = token(release, status);
    if (pending) {
      // requested (by this release or another) and not started yet: it will complete after this revision started
      return GateResult.waiting("BackupRunning", waiting + ": " + Labels.BACKUP_NOW + "=" + requested + " requested, not started yet"
          + notReady(bs) + failure(bs, revisionStart));
    }
    if (!running.isEmpty()) {
      DatabaseBackupStatus.RunningJob j = running.get(running.size() - 1);
      return GateResult.waiting("BackupRunning", waiting + ": backup Job " + j.job + " running"
          + (j.token == null ? " (scheduled)" : " (" + Labels.BACKUP_NOW + "=" + j.token + ")") + failure(bs, revisionStart));
    }
    boolean asked = own.equals(status.backupRequestToken) || own.equals(requested) || own.equals(bs.lastBackupNowToken);
    if (!asked) {
      // an annotation, not a spec write: a JSON merge patch of metadata.annotations only
      String patch = "{\"metadata\":{\"annotations\":{\"" + Labels.BACKUP_NOW + "\":\"" + own + "\"}}}";
      client.resources(DatabaseBackup.class).inNamespace(ns).withName(name).patch(PatchContext.of(PatchType.JSON_MERGE), patch);
      writes.write();
      status.backupRequestToken = own;
      return GateResult.waiting("BackupRunning", waiting + " (requested with " + Labels.BACKUP_NOW + "=" + own + ")");
    }
    status.backupRequestToken = own;
    return GateResult.waiting("BackupRunning", waiting + " (requested with " + Labels.BACKUP_NOW + "=" + own
        + "; it is not asked for again for this revision)" + failure(bs, revisionStart));
  }

  /**
   * The newest verified backup that completed no earlier than the revision started: written by a Job this revision
   * asked for or saw running or requested ({@code causal}: fresh by causality, whatever the clocks say), or stored by
   * the S3 server (its manifest's
   * LastModified, set when verification rewrote it) no earlier than the revision's start. The manifest's own times come
   * from the agent's clock on some node, which may be minutes off the operator's: they are used only for backups listed
   * before storedAt was recorded.
   */
  static Optional<DatabaseBackupStatus.BackupRecord> fresh(DatabaseBackupStatus bs, Instant revisionStart, Set<String> causal) {
    return Stream.concat(Stream.ofNullable(bs.lastSuccessfulBackup), Stream.ofNullable(bs.backups).flatMap(List::stream))
        .filter(Objects::nonNull)
        .filter(b -> Boolean.TRUE.equals(b.verified) && completed(b) != null)
        .filter(b -> revisionStart == null || (b.job != null && causal.contains(b.job)) || !completed(b).isBefore(revisionStart))
        .max(Comparator.comparing(DatabaseBackupGate::completed));
  }

  /** When the backup was complete, by the S3 server's clock when known. */
  private static Instant completed(DatabaseBackupStatus.BackupRecord b) {
    return b.storedAt != null ? Times.parse(b.storedAt) : b.completedAt == null ? null : Times.parse(b.completedAt);
  }

  private static String failure(DatabaseBackupStatus bs, Instant revisionStart) {
    return bs.lastFailure != null && bs.lastFailure.time != null && revisionStart != null
            && !Times.parse(bs.lastFailure.time).isBefore(revisionStart)
        ? "; the last attempt failed at " + bs.lastFailure.time + ": " + bs.lastFailure.message
        : "";
  }

  /** A DatabaseBackup that is not Ready (invalid spec, missing Secret) never starts the requested backup. */
  private static String notReady(DatabaseBackupStatus bs) {
    return Conditions.find(bs.conditions, ValidationReport.READY)
        .filter(c -> "False".equals(c.getStatus()))
        .map(c -> "; the DatabaseBackup is not Ready: " + c.getMessage())
        .orElse("");
  }
}
