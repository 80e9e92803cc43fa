package dev.turnout.backup;

import dev.turnout.backup.catalog.BackupCatalog;
import dev.turnout.backup.retention.Retention;
import dev.turnout.common.Times;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * One read of a DatabaseBackup's storage, run on the storage executor (never a reconcile thread): lists the manifests
 * of its own backups (the catalog is scoped to the DatabaseBackup as owner), applies retention to them after a new
 * verified backup it wrote itself, and aborts stale incomplete uploads. Touches only its own backups: the backups of
 * other owners and those without an owner are counted, never pruned.
 */
final class StoragePass {
  /** What the DatabaseBackup looked like when the pass was started. */
  record Inputs(
      String previousVerified, String ownUid, ZoneId zone, int daily, int weekly, int monthly, Instant now, Duration staleUploadAfter,
      Set<String> inUse) {}

  /**
   * @param listed every own backup with a manifest (archive present or not), for the verdict on a finished Job
   * @param kept own backups with their archive, after retention, newest first
   * @param others backups under the prefix that are not ours: owner ("DatabaseBackup ns/name" or no owner) to count
   * @param objectLockHeld backups retention would prune but S3 Object Lock holds: key to why; null when retention did
   *     not run on this pass (then nobody knows, and status keeps what the last pass that ran found)
   */
  record Result(
      List<BackupVerdict.Listed> listed, List<BackupCatalog.Entry> kept, List<String> pruned, List<String> aborted,
      String abortError, TreeMap<String, Integer> others, java.util.Map<String, String> objectLockHeld) {}

  private StoragePass() {}

  static Result run(BackupCatalog catalog, Inputs in) {
    List<BackupCatalog.Entry> all = catalog.listAll();
    TreeMap<String, Integer> others = new TreeMap<>();
    List<BackupCatalog.Entry> own = new ArrayList<>();
    for (BackupCatalog.Entry e : all) {
      if (catalog.owns(e)) {
        own.add(e);
      } else {
        others.merge(BackupCatalog.ownerName(e.manifest().owner), 1, Integer::sum);
      }
    }
    List<BackupVerdict.Listed> listed = own.stream()
        .map(e -> new BackupVerdict.Listed(e.archiveKey(), e.manifest().job, Times.parse(e.manifest().startedAt),
            e.manifest().verified, e.archivePresent()))
        .toList();
    List<BackupCatalog.Entry> entries = own.stream().filter(BackupCatalog.Entry::archivePresent).toList();
    List<String> pruned = new ArrayList<>();
    java.util.Map<String, String> held = null; // null: retention did not run on this pass
    List<BackupCatalog.Entry> kept = entries;
    Optional<BackupCatalog.Entry> newestVerified = entries.stream().filter(BackupCatalog.Entry::verified).findFirst();
    // pruning runs only after a new verified backup that this very DatabaseBackup (uid) wrote: never on the first read
    // of backups it finds (a new DatabaseBackup pointed at a bucket that has backups, or one recreated under the name of
    // the owner of the backups it adopts), which keeps them until its own first backup is verified
    if (newestVerified.isPresent() && !newestVerified.get().archiveKey().equals(in.previousVerified())
        && newestVerified.get().manifest().owner != null
        && Objects.equals(newestVerified.get().manifest().owner.uid, in.ownUid())) {
      Retention.Decision d = Retention.decide(
          entries.stream().map(e -> new Retention.Backup(e.archiveKey(), e.time(), e.verified())).toList(),
          in.zone(), in.daily(), in.weekly(), in.monthly(), in.now());
      Set<String> prune = d.prune().stream().map(Retention.Backup::id).collect(Collectors.toSet());
      prune.remove(newestVerified.get().archiveKey()); // never, whatever retention says
      // nor what an unfinished DatabaseRestore restores: its agent reads the object twice (check, then stream)
      prune.removeAll(in.inUse());
      kept = new ArrayList<>();
      held = new java.util.TreeMap<>();
      for (BackupCatalog.Entry e : entries) {
        Optional<String> hold = Optional.empty();
        if (prune.contains(e.archiveKey()) && catalog.owns(e) && e.manifest().owner != null
            // S3 Object Lock: kept (and listed) until S3 allows the delete; a later pass tries again
            && (hold = catalog.objectLockHold(e.archiveKey(), in.now())).isEmpty()) {
          catalog.delete(e.archiveKey());
          pruned.add(e.archiveKey());
        } else {
          if (hold.isPresent()) {
            held.put(e.archiveKey(), hold.get());
          }
          kept.add(e);
        }
      }
    }
    List<String> aborted = new ArrayList<>();
    String abortError = null;
    try {
      for (BackupCatalog.Upload u : catalog.incompleteUploads()) {
        // age on S3's own clock (initiation vs the listing's Date; the operator's clock only when S3 sent no Date): an
        // upload older than the longest activeDeadlineSeconds of the DatabaseBackups on this prefix, and a margin,
        // belongs to a Job that Kubernetes has stopped
        Instant now = u.listedAt() != null ? u.listedAt() : in.now();
        if (u.initiated() != null && u.initiated().plus(in.staleUploadAfter()).isBefore(now)) {
          catalog.abort(u);
          aborted.add(u.key());
        }
      }
    } catch (SdkException e) {
      abortError = e.getMessage(); // the backups were read; stale uploads are tried again on the next pass
    }
    return new Result(listed, List.copyOf(kept), pruned, aborted, abortError, others, held);
  }

  /** Describes the backups under the prefix that are not this DatabaseBackup's; empty when there are none. */
  static String othersNote(TreeMap<String, Integer> others) {
    if (others.isEmpty()) {
      return "";
    }
    return "; not ours, never pruned nor restored as latest: "
        + others.entrySet().stream().map(e -> e.getValue() + " of " + e.getKey()).collect(Collectors.joining(", "));
  }
}
