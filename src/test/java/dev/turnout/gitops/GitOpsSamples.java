package dev.turnout.gitops;

import dev.turnout.apprelease.AppRelease;
import dev.turnout.apprelease.AppReleaseSpec;
import dev.turnout.apprelease.AppReleaseStatus;
import dev.turnout.apprelease.AppReleaseStatusAggregator;
import dev.turnout.apprelease.AppReleaseStatusAggregator.GateCondition;
import dev.turnout.apprelease.RevisionRecord;
import dev.turnout.backup.DatabaseBackup;
import dev.turnout.backup.DatabaseBackupReconciler;
import dev.turnout.backup.DatabaseBackupSpec;
import dev.turnout.backup.DatabaseBackupStatus;
import dev.turnout.common.Conditions;
import dev.turnout.common.ValidationReport;
import dev.turnout.healthpolicy.HealthPolicy;
import dev.turnout.healthpolicy.HealthPolicyStatus;
import dev.turnout.restore.DatabaseRestore;
import dev.turnout.restore.DatabaseRestoreReconciler;
import dev.turnout.restore.DatabaseRestoreStatus;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Custom resources in the states the operator really reports, built from the status classes it writes (the AppRelease
 * phases by its aggregator): a renamed field or phase changes these objects, and the health checks over them fail.
 *
 * @param argo the Argo CD health status the Lua check must return
 * @param message a part of the message it must return
 * @param flux the kstatus result the Flux CEL expressions must give (Current, Failed, InProgress)
 */
record GitOpsSamples(String name, HasMetadata object, String argo, String message, String flux) {
  static final Instant NOW = Instant.parse("2026-12-02T17:00:00Z");

  @Override
  public String toString() {
    return object.getKind() + ": " + name;
  }

  static List<GitOpsSamples> all() {
    return List.of(
        // AppRelease: the eight phases, no status yet, a status older than the spec
        new GitOpsSamples("Healthy", release(live(), Map.of(), null), "Healthy", "revision 1 (1.0.0) live on blue", "Current"),
        new GitOpsSamples("Progressing: revision 2 rolling out", release(rollingOut("Pending"),
            gates(new GateCondition(AppReleaseStatusAggregator.ROLLOUT, false, "RollingOut", "1/2 pods ready")), null),
            "Progressing", "Progressing", "InProgress"),
        new GitOpsSamples("Progressing: switch converging", release(converging(), Map.of(), null), "Progressing",
            "Progressing", "InProgress"),
        new GitOpsSamples("AwaitingPromotion", release(rollingOut("Pending"), gates(new GateCondition(
            AppReleaseStatusAggregator.PROMOTION, false, "AwaitingPromotion", "waiting for turnout.dev/promote")), null),
            "Suspended", "AwaitingPromotion", "Current"),
        new GitOpsSamples("RolledBack", release(rollingOut("RolledBack"), Map.of(), null), "Degraded",
            "RolledBack: revision 2 rolled back", "Failed"),
        new GitOpsSamples("Failed", release(rollingOut("Failed"), Map.of(), null), "Degraded", "Failed: revision 2 failed",
            "Failed"),
        new GitOpsSamples("Degraded: live color under-replicated", release(live(), Map.of(), "1/3 pods of blue ready"),
            "Degraded", "Degraded", "Failed"),
        new GitOpsSamples("Paused", paused(), "Suspended", "Paused", "Current"),
        new GitOpsSamples("Pending: blocked by a missing Secret", release(blockedStatus(), gates(new GateCondition(
            AppReleaseStatusAggregator.REFERENCES, false, "MissingReference", "Secret backend-db does not exist")), null),
            "Degraded", "Secret backend-db does not exist", "Failed"),
        new GitOpsSamples("no status yet", withGeneration(new AppRelease(), 1), "Progressing", "first status", "InProgress"),
        new GitOpsSamples("status older than the spec", stale(release(live(), Map.of(), null)), "Progressing",
            "latest spec", "InProgress"),
        // HealthPolicy
        new GitOpsSamples("Ready", policy(cond(List.of(), ValidationReport.READY, "True", "Valid", "2 check(s) valid")),
            "Healthy", "2 check(s) valid", "Current"),
        new GitOpsSamples("Ready, a gate closed", policyClosed(), "Healthy", "gate closed for backend", "Current"),
        new GitOpsSamples("invalid", policy(cond(List.of(), ValidationReport.READY, "False", "InvalidSpec",
            "spec.checks[0].http.port: must be 1-65535")), "Degraded", "spec.checks[0].http.port", "Failed"),
        new GitOpsSamples("readiness gate ignored", policy(cond(cond(List.of(), ValidationReport.READY, "True", "Valid",
            "1 check(s) valid"), "ReadinessGate", "False", "NoPerPodChecks", "no check runs per pod")), "Degraded",
            "readinessGate ignored", "Failed"),
        new GitOpsSamples("no status yet", withGeneration(new HealthPolicy(), 1), "Progressing", "first status", "InProgress"),
        new GitOpsSamples("status older than the spec", stale(policy(cond(List.of(), ValidationReport.READY, "True",
            "Valid", "2 check(s) valid"))), "Progressing", "latest spec", "InProgress"),
        // DatabaseBackup
        new GitOpsSamples("backed up and verified", backup(backedUp(), false), "Healthy", "last backup prod/2026-12-02", "Current"),
        new GitOpsSamples("no backup yet", backup(scheduled(), false), "Healthy", "no backup yet", "Current"),
        new GitOpsSamples("last backup failed", backup(cond(backedUp(), DatabaseBackupReconciler.LAST_BACKUP_SUCCEEDED,
            "False", "BackoffLimitExceeded", "Job mongo-prod-backup-1 failed"), false), "Degraded", "BackoffLimitExceeded",
            "Failed"),
        new GitOpsSamples("verification failed", backup(cond(backedUp(), DatabaseBackupReconciler.VERIFIED, "False",
            "VerificationFailed", "restore into scratch failed"), false), "Degraded", "VerificationFailed", "Failed"),
        new GitOpsSamples("verification pending", backup(cond(backedUp(), DatabaseBackupReconciler.VERIFIED, "Unknown",
            "VerificationPending", "verifying"), false), "Progressing", "VerificationPending", "InProgress"),
        new GitOpsSamples("storage unreachable", backup(cond(backedUp(), DatabaseBackupReconciler.STORAGE_REACHABLE, "False",
            "StorageError", "403 AccessDenied"), false), "Degraded", "StorageError", "Failed"),
        new GitOpsSamples("invalid settings", backup(cond(scheduled(), ValidationReport.READY, "False", "InvalidSettings",
            "the agent refused its settings"), false), "Degraded", "InvalidSettings", "Failed"),
        new GitOpsSamples("suspended", backup(backedUp(), true), "Suspended", "spec.suspend", "Current"),
        new GitOpsSamples("no status yet", withGeneration(new DatabaseBackup(), 1), "Progressing", "first status", "InProgress"),
        new GitOpsSamples("status older than the spec", stale(backup(backedUp(), false)), "Progressing", "latest spec",
            "InProgress"),
        // DatabaseRestore
        new GitOpsSamples("Succeeded", restore("Succeeded", DatabaseRestoreReconciler.COMPLETE, "True", "Restored",
            "restored prod/a.archive.gz"), "Healthy", "restored prod/a.archive.gz", "Current"),
        new GitOpsSamples("Failed, target unchanged", restoreFailed(), "Degraded", "the target is as it was", "Failed"),
        new GitOpsSamples("Running", restore("Running", DatabaseRestoreReconciler.COMPLETE, "Unknown", "Running",
            "restoring prod/a.archive.gz with Job r-restore"), "Progressing", "restoring", "InProgress"),
        new GitOpsSamples("Pending: waiting for a backup", restore("Pending", ValidationReport.READY, "True", "Valid",
            "no verified backup under s3://b/prod/ to resolve \"latest\"; waiting for one"), "Progressing", "waiting for one",
            "InProgress"),
        new GitOpsSamples("Pending: invalid reference", restore("Pending", ValidationReport.READY, "False", "InvalidSpec",
            "spec.backupRef: DatabaseBackup a/mongo-prod does not exist"), "Degraded", "does not exist", "Failed"),
        new GitOpsSamples("no status yet", withGeneration(new DatabaseRestore(), 1), "Progressing", "first status",
            "InProgress"));
  }

  // --- AppRelease: statuses as the reconciler leaves them, phase and conditions by the real aggregator

  private static AppRelease release(AppReleaseStatus status, Map<String, GateCondition> gates, String shortfall) {
    AppRelease release = withGeneration(new AppRelease(), 3);
    release.setSpec(new AppReleaseSpec());
    release.setStatus(status);
    status.observedGeneration = 3L;
    AppReleaseStatusAggregator.aggregate(release, status, NOW, gates, shortfall, 2, null);
    return release;
  }

  /** Nothing serves yet; the reconciler's summary is the failing reference's message. */
  private static AppReleaseStatus blockedStatus() {
    AppReleaseStatus s = new AppReleaseStatus();
    s.message = "Secret backend-db does not exist";
    return s;
  }

  private static AppRelease paused() {
    AppRelease release = release(live(), Map.of(), null);
    release.getSpec().paused = true;
    AppReleaseStatusAggregator.aggregate(release, release.getStatus(), NOW, Map.of(), null, 2, null);
    return release;
  }

  private static Map<String, GateCondition> gates(GateCondition... gates) {
    Map<String, GateCondition> out = new LinkedHashMap<>();
    for (GateCondition g : gates) {
      out.put(g.type(), g);
    }
    return out;
  }

  private static AppReleaseStatus live() {
    AppReleaseStatus s = new AppReleaseStatus();
    s.activeColor = "blue";
    s.activeRevision = 1L;
    s.currentRevision = 1L;
    s.currentColor = "blue";
    s.lastSwitchTime = "2026-12-02T16:00:00Z";
    s.switchConvergedAt = "2026-12-02T16:01:00Z";
    s.history.add(record(1, "1.0.0", "blue", "Promoted", null));
    s.message = "revision 1 (1.0.0) live on blue";
    return s;
  }

  private static AppReleaseStatus converging() {
    AppReleaseStatus s = live();
    s.switchConvergedAt = null;
    return s;
  }

  /** Revision 2 on green beside revision 1 live on blue, with the outcome the reconciler recorded for it. */
  private static AppReleaseStatus rollingOut(String outcome) {
    AppReleaseStatus s = live();
    s.currentRevision = 2L;
    s.currentColor = "green";
    s.previewColor = "green";
    String reason = switch (outcome) {
      case "RolledBack" -> "automatic revert: HealthPolicy backend-health: checks failed";
      case "Failed" -> "hook smoke (Job backend-smoke-r2) failed";
      default -> null;
    };
    s.history.add(0, record(2, "1.1.0", "green", outcome, reason));
    s.message = reason == null ? "revision 2 on green: waiting" : "revision 2 " + ("Failed".equals(outcome) ? "failed: "
        : "rolled back: ") + reason;
    return s;
  }

  private static RevisionRecord record(long revision, String version, String color, String outcome, String reason) {
    RevisionRecord r = new RevisionRecord();
    r.revision = revision;
    r.version = version;
    r.color = color;
    r.outcome = outcome;
    r.reason = reason;
    return r;
  }

  // --- HealthPolicy

  private static HealthPolicy policy(List<io.fabric8.kubernetes.api.model.Condition> conditions) {
    HealthPolicy p = withGeneration(new HealthPolicy(), 2);
    HealthPolicyStatus s = new HealthPolicyStatus();
    s.observedGeneration = 2L;
    s.conditions = conditions;
    p.setStatus(s);
    return p;
  }

  private static HealthPolicy policyClosed() {
    HealthPolicy p = policy(cond(List.of(), ValidationReport.READY, "True", "Valid", "2 check(s) valid"));
    HealthPolicyStatus.ReleaseResults r = new HealthPolicyStatus.ReleaseResults();
    r.release = "backend";
    r.service = "backend-preview";
    r.gate = "Closed";
    HealthPolicyStatus.CheckResult c = new HealthPolicyStatus.CheckResult();
    c.name = "api";
    c.passed = false;
    c.message = "GET /api/v1/health: 503";
    r.checks.add(c);
    p.getStatus().releases.add(r);
    return p;
  }

  // --- DatabaseBackup

  private static DatabaseBackup backup(List<io.fabric8.kubernetes.api.model.Condition> conditions, boolean suspend) {
    DatabaseBackup b = withGeneration(new DatabaseBackup(), 4);
    b.setSpec(new DatabaseBackupSpec());
    b.getSpec().schedule = "0 3 * * *";
    b.getSpec().suspend = suspend ? true : null;
    DatabaseBackupStatus s = new DatabaseBackupStatus();
    s.observedGeneration = 4L;
    s.conditions = conditions;
    if (Conditions.isTrue(conditions, DatabaseBackupReconciler.LAST_BACKUP_SUCCEEDED)
        || Conditions.find(conditions, DatabaseBackupReconciler.VERIFIED).isPresent()
        && !"NoBackupYet".equals(Conditions.find(conditions, DatabaseBackupReconciler.VERIFIED).get().getReason())) {
      DatabaseBackupStatus.BackupRecord last = new DatabaseBackupStatus.BackupRecord();
      last.object = "prod/2026-12-02T03-00-00Z.archive.gz";
      last.verified = true;
      s.lastSuccessfulBackup = last;
      s.lastSuccessTime = "2026-12-02T03:01:10Z";
      s.backups.add(last);
    }
    b.setStatus(s);
    return b;
  }

  private static List<io.fabric8.kubernetes.api.model.Condition> scheduled() {
    var c = cond(List.of(), ValidationReport.READY, "True", "Scheduled", "CronJob mongo-prod-backup runs \"0 3 * * *\" in Etc/UTC");
    c = cond(c, DatabaseBackupReconciler.STORAGE_REACHABLE, "True", "Listed", "0 backups of other owners");
    c = cond(c, DatabaseBackupReconciler.LAST_BACKUP_SUCCEEDED, "Unknown", "NoBackupYet", "no backup Job finished yet");
    return cond(c, DatabaseBackupReconciler.VERIFIED, "Unknown", "NoBackupYet", "no complete backup yet");
  }

  private static List<io.fabric8.kubernetes.api.model.Condition> backedUp() {
    var c = cond(scheduled(), DatabaseBackupReconciler.LAST_BACKUP_SUCCEEDED, "True", "Succeeded", "Job mongo-prod-backup-1");
    return cond(c, DatabaseBackupReconciler.VERIFIED, "True", "Verified", "passed verification");
  }

  // --- DatabaseRestore

  private static DatabaseRestore restore(String phase, String type, String status, String reason, String message) {
    DatabaseRestore r = withGeneration(new DatabaseRestore(), 1);
    DatabaseRestoreStatus s = new DatabaseRestoreStatus();
    s.observedGeneration = 1L;
    s.phase = phase;
    s.message = message;
    s.conditions = cond(s.conditions, type, status, reason, message);
    r.setStatus(s);
    return r;
  }

  private static DatabaseRestore restoreFailed() {
    DatabaseRestore r = restore("Failed", DatabaseRestoreReconciler.COMPLETE, "False", "CountMismatch",
        "app.users: 10 documents staged, manifest says 12");
    r.getStatus().targetUnchanged = true;
    return r;
  }

  // --- shared

  static List<io.fabric8.kubernetes.api.model.Condition> cond(List<io.fabric8.kubernetes.api.model.Condition> existing,
      String type, String status, String reason, String message) {
    return Conditions.set(existing, type, status, reason, message, 1L, NOW);
  }

  private static <T extends HasMetadata> T withGeneration(T resource, long generation) {
    resource.setMetadata(new ObjectMetaBuilder().withName("sample").withNamespace("auto-author").withGeneration(generation)
        .build());
    return resource;
  }

  private static <T extends HasMetadata> T stale(T resource) {
    resource.getMetadata().setGeneration(resource.getMetadata().getGeneration() + 1);
    return resource;
  }
}
