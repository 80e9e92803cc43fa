package dev.turnout.backup;

import java.util.Optional;

/**
 * The API server's limits on the names of what Turnout creates after a DatabaseBackup or DatabaseRestore (pure). The
 * CRDs refuse longer names of the resources themselves (x-kubernetes-validations on metadata.name); the reconcilers
 * report the same for resources created under an older CRD.
 */
public final class NameLimits {
  /**
   * Longest DatabaseBackup name: its CronJob {@code <name>-backup} may have at most 52 characters, the API server's
   * limit for CronJob names (the CronJob controller appends {@code -<minutes since epoch>} to name its Jobs, whose
   * names label their pods, at most 63). Its on-demand Jobs ({@code <name>-now-<10 hex>}, 60) then fit too.
   */
  public static final int MAX_BACKUP_NAME = 52 - "-backup".length();
  /** Longest DatabaseRestore name: its Job {@code <name>-restore} becomes the pods' job-name label, at most 63. */
  public static final int MAX_RESTORE_NAME = 63 - "-restore".length();

  private NameLimits() {}

  /**
   * Why the API server would refuse the object named after a resource ({@code derived}, e.g. "CronJob mongo-prod-backup"),
   * if it would. A name cannot be changed: the user must learn it from status, not from endless retries of a create
   * that cannot pass.
   */
  public static Optional<String> nameProblem(String kind, String name, int max, String derived) {
    if (name == null || name.length() <= max) {
      return Optional.empty();
    }
    return Optional.of("metadata.name: a " + kind + " name may have at most " + max + " characters (this one has "
        + name.length() + "): the API server refuses " + derived + " as too long; create the " + kind
        + " again with a shorter name");
  }
}
