package dev.turnout.backup;

import dev.turnout.backup.catalog.BackupKeys;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Whether a backup Job that exited 0 produced its backup (pure). The Job's exit code only says the agent did not
 * report an error; the backup exists only when its manifest does, since the agent writes the manifest last, after the
 * archive's upload completed (a wrapper script, a changed image or a killed agent can exit 0 without one). Decided once
 * per finished Job, from the manifests listed when it finished.
 */
public final class BackupVerdict {
  /** Manifest times may come from another clock than the Job's status (the node's): this much earlier still matches. */
  static final Duration SKEW = Duration.ofMinutes(1);

  public static final String SUCCEEDED = "Succeeded";
  public static final String MANIFEST_MISSING = "ManifestMissing";
  public static final String NOT_VERIFIED = "NotVerified";
  public static final String ARCHIVE_MISSING = "ArchiveMissing";

  private BackupVerdict() {}

  /**
   * A backup as listed in storage.
   *
   * @param job the manifest's {@code job} (null from agents that did not record it)
   * @param startedAt the manifest's startedAt
   * @param verified the manifest's verified (null: not verified yet)
   */
  public record Listed(String archiveKey, String job, Instant startedAt, Boolean verified, boolean archivePresent) {}

  /** The finished Job: name, start (may be null) and end. */
  public record FinishedJob(String name, Instant startedAt, Instant finishedAt) {}

  /** succeeded, or a reason and a message naming the Job and the object it should have written. */
  public record Outcome(boolean succeeded, String reason, String message, String object) {}

  /**
   * The backup {@code job} produced: the manifest naming it, or, for manifests without a job name, one started while
   * the Job ran.
   */
  static Optional<Listed> backupOf(FinishedJob job, List<Listed> listed) {
    Optional<Listed> named = listed.stream().filter(l -> job.name().equals(l.job())).findFirst();
    if (named.isPresent()) {
      return named;
    }
    return listed.stream()
        .filter(l -> l.job() == null && l.startedAt() != null)
        .filter(l -> job.startedAt() == null || !l.startedAt().isBefore(job.startedAt().minus(SKEW)))
        .filter(l -> !l.startedAt().isAfter(job.finishedAt()))
        .findFirst();
  }

  /**
   * The verdict on a Job that exited 0. {@code verify} is whether the Job also verified the backup (backup-and-verify,
   * always so today): then only a manifest saying verified=true counts.
   */
  public static Outcome of(FinishedJob job, List<Listed> listed, boolean verify, String bucket, String prefix) {
    Optional<Listed> found = backupOf(job, listed);
    String jobName = job.name();
    if (found.isEmpty()) {
      String expected = BackupKeys.base(prefix, job.startedAt() == null ? job.finishedAt() : job.startedAt()) + ".manifest.json";
      return new Outcome(false, MANIFEST_MISSING,
          "backup Job " + jobName + " exited 0 but no backup manifest names it: expected s3://" + bucket + "/" + expected
              + " (or a few seconds later, with \"job\": \"" + jobName + "\"), written last by the agent after the upload;"
              + " not counted as a backup (kubectl logs job/" + jobName + " for the agent's output)",
          null);
    }
    Listed l = found.get();
    String manifest = BackupKeys.manifestKeyForArchive(l.archiveKey());
    if (!l.archivePresent()) {
      return new Outcome(false, ARCHIVE_MISSING,
          "backup Job " + jobName + " exited 0 but the archive s3://" + bucket + "/" + l.archiveKey() + " of its manifest "
              + manifest + " is missing; not counted as a backup",
          l.archiveKey());
    }
    if (verify && !Boolean.TRUE.equals(l.verified())) {
      return new Outcome(false, NOT_VERIFIED,
          "backup Job " + jobName + " exited 0 but the manifest s3://" + bucket + "/" + manifest + " says verified="
              + l.verified() + "; not counted as a verified backup",
          l.archiveKey());
    }
    return new Outcome(true, SUCCEEDED, "backup Job " + jobName + " wrote " + l.archiveKey(), l.archiveKey());
  }

  /** Whether {@code newest} still needs a verdict: it succeeded and is not the Job last checked. */
  public static boolean pending(String newestSucceededJob, String lastCheckedJob) {
    return newestSucceededJob != null && !Objects.equals(newestSucceededJob, lastCheckedJob);
  }
}
