package dev.turnout.common;

/** Label, annotation and finalizer names that are part of the user-facing contract (api.md). */
public final class Labels {
  public static final String GROUP = "turnout.dev";
  public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
  public static final String MANAGED_BY_VALUE = "turnout";
  public static final String APP_NAME = "app.kubernetes.io/name";
  public static final String INSTANCE = "app.kubernetes.io/instance";
  public static final String COLOR = "turnout.dev/color";
  public static final String REVISION = "turnout.dev/revision";
  /** Name of the owning AppRelease, so informers map owned objects (and mirrored EndpointSlices) back cheaply. */
  public static final String RELEASE = "turnout.dev/release";
  /** Name of the owning DatabaseBackup. */
  public static final String BACKUP = "turnout.dev/backup";
  /** Name of the owning DatabaseRestore. */
  public static final String RESTORE = "turnout.dev/restore";
  /** Revision hash a color's Deployment runs (version, template, referenced configuration). */
  public static final String REVISION_HASH = "turnout.dev/revision-hash";
  /** Checksum of the Secrets and ConfigMaps the pod template references; a change is a new revision. */
  public static final String CONFIG_CHECKSUM = "turnout.dev/config-checksum";
  public static final String MANAGED_SELECTOR = MANAGED_BY + "=" + MANAGED_BY_VALUE;
  /** Hash of the desired state the operator last wrote; equal hash means no write is needed. */
  public static final String APPLIED_HASH = "turnout.dev/applied-hash";

  public static final String PROMOTE = "turnout.dev/promote";
  public static final String ROLLBACK = "turnout.dev/rollback";
  public static final String BACKUP_NOW = "turnout.dev/backup-now";

  private Labels() {}
}
