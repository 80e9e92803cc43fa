package dev.turnout.backup.agent;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a restore does, decided before anything touches the target: for each namespace of the archive (from the
 * manifest's counts), whether it is restored, to which target namespace, through which staging collection, and how many
 * documents must arrive. Pure, so every rule is tested over tables (RestorePlanTest).
 *
 * <p>Why every namespace is named exactly: mongorestore's filters match SOURCE namespaces before renaming, a bare
 * {@code --nsInclude app} matches nothing, and a rename without an include restores every other database of a full
 * dump too (issue 11, facts 1-2). So the plan passes one {@code --nsInclude} and one {@code --nsFrom}/{@code --nsTo}
 * pair per restored namespace, with no wildcard left for mongorestore to interpret.
 *
 * <p>Why staging collections: documents that fail to insert are skipped with exit 0, and a truncated archive leaves
 * whatever was restored before the cut (facts 3-4). Restoring into {@code <db>.__turnout_restore_<id>.<coll>} and
 * renaming into place only after every count matches keeps the target as it was on any failure. Same database as the
 * target: a rename within one database is a metadata change, across databases it copies (and not every server can).
 */
public record RestorePlan(List<Move> moves, Map<String, String> skipped) {
  /** Collections of this prefix are the agent's own staging collections. */
  public static final String STAGING_PREFIX = "__turnout_restore_";
  /** MongoDB 4.4+: a namespace ({@code db.collection}) is at most 255 bytes. */
  static final int MAX_NAMESPACE_BYTES = 255;
  /** Never restored: the server's own databases, users and roles (mongorestore would restore admin users). */
  private static final Set<String> SYSTEM_DATABASES = Set.of("admin", "config", "local");

  /** One source namespace of the archive, restored into staging, then renamed to target. */
  public record Move(String source, String target, String staging, long expectedDocuments) {
    String targetDatabase() {
      return target.substring(0, target.indexOf('.'));
    }

    String targetCollection() {
      return target.substring(target.indexOf('.') + 1);
    }
  }

  /**
   * @param counts documents per source namespace, as mongodump reported them (the manifest)
   * @param nsFrom the user's rename source pattern, or null for no rename
   * @param nsTo the user's rename target pattern, or null
   * @param restoreId the restore's id (letters and digits): names its staging collections
   * @throws AgentException (exit 2) naming the setting when the plan cannot be made
   */
  public static RestorePlan of(Map<String, Long> counts, String nsFrom, String nsTo, String restoreId) {
    if (!restoreId.matches("[a-z0-9]{1,16}")) {
      throw new AgentException("RESTORE_ID must be 1-16 lower-case letters or digits, not \"" + restoreId + "\"", 2);
    }
    if (counts == null || counts.isEmpty()) {
      throw new AgentException(
          "the backup's manifest lists no collections (an empty dump, or one written by an agent that did not record"
              + " per-collection counts): nothing to restore, and nothing to check a restore against");
    }
    NamespacePattern from = nsFrom == null ? null : new NamespacePattern(nsFrom);
    List<Move> moves = new ArrayList<>();
    Map<String, String> skipped = new LinkedHashMap<>();
    Map<String, String> targets = new LinkedHashMap<>();
    for (var e : counts.entrySet()) {
      String ns = e.getKey();
      String db = ns.substring(0, Math.max(0, ns.indexOf('.')));
      String coll = ns.substring(ns.indexOf('.') + 1);
      if (SYSTEM_DATABASES.contains(db)) {
        skipped.put(ns, "database " + db + " belongs to the server (users, roles, sessions), never restored");
        continue;
      }
      if (coll.startsWith("system.buckets.")) {
        // mongodump names a time-series collection by its buckets (system.buckets.<name>); a time-series collection
        // cannot be renamed (CommandNotSupportedOnView), so it cannot go through a staging collection: refused by name
        // rather than left out of a restore that would say Succeeded
        throw new AgentException("time-series collection " + db + "." + coll.substring("system.buckets.".length())
            + " cannot be restored through a staging collection (time-series collections cannot be renamed);"
            + " restore it by hand with mongorestore", 2);
      }
      if (coll.startsWith("system.")) {
        skipped.put(ns, "system collection, managed by the server");
        continue;
      }
      String target = ns;
      if (from != null) {
        var renamed = from.rename(ns, nsTo);
        if (renamed.isEmpty()) {
          skipped.put(ns, "not matched by nsFrom " + nsFrom);
          continue;
        }
        target = renamed.get();
      }
      checkNamespace(ns, target);
      String previous = targets.put(target, ns);
      if (previous != null) {
        throw new AgentException("nsFrom/nsTo send both " + previous + " and " + ns + " to " + target, 2);
      }
      String tdb = target.substring(0, target.indexOf('.'));
      String staging = tdb + "." + STAGING_PREFIX + restoreId + "." + target.substring(target.indexOf('.') + 1);
      if (staging.getBytes(StandardCharsets.UTF_8).length > MAX_NAMESPACE_BYTES) {
        throw new AgentException("namespace " + target + " is too long to restore through a staging collection ("
            + staging + " would exceed " + MAX_NAMESPACE_BYTES + " bytes)");
      }
      moves.add(new Move(ns, target, staging, e.getValue()));
    }
    if (moves.isEmpty()) {
      throw new AgentException(
          "nothing to restore: "
              + (from == null ? "the archive holds only system namespaces" : "nsFrom " + nsFrom + " matches none")
              + " of the archive's namespaces " + counts.keySet(), 2);
    }
    return new RestorePlan(List.copyOf(moves), skipped);
  }

  /** mongorestore options, exact namespaces only. */
  public List<String> mongorestoreArgs() {
    List<String> args = new ArrayList<>();
    for (Move m : moves) {
      args.add("--nsInclude=" + m.source());
    }
    for (Move m : moves) {
      args.add("--nsFrom=" + m.source());
      args.add("--nsTo=" + m.staging());
    }
    return args;
  }

  public long expectedDocuments() {
    return moves.stream().mapToLong(Move::expectedDocuments).sum();
  }

  private static void checkNamespace(String source, String target) {
    for (String ns : List.of(source, target)) {
      int dot = ns.indexOf('.');
      if (dot <= 0 || dot == ns.length() - 1) {
        throw new AgentException("\"" + ns + "\" is not a database.collection namespace", 2);
      }
      // these characters are pattern syntax for mongorestore; a namespace holding one could not be named exactly
      if (ns.indexOf('*') >= 0 || ns.indexOf('$') >= 0 || ns.indexOf('\\') >= 0) {
        throw new AgentException("namespace " + ns + " holds '*', '$' or '\\', which mongorestore reads as a pattern;"
            + " restore it by hand with mongorestore", 2);
      }
    }
  }
}
