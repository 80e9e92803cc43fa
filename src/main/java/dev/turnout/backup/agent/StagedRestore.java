package dev.turnout.backup.agent;

import dev.turnout.backup.agent.RestorePlan.Move;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.bson.Document;

/**
 * Runs a {@link RestorePlan}: mongorestore into staging collections, checks, then renames into place. The target is
 * touched only by the final renames; every failure before them drops the staging collections and says the target is
 * unchanged, and a failure between two renames says exactly which collections were replaced.
 *
 * <p>What counts as restored is asked of the server (documents per staging collection against the manifest), not read
 * from mongorestore's output alone: it exits 0 when documents fail to insert, when a filter matched nothing, and when
 * it was given a URI whose database filtered everything out (issue 11, facts 1-3).
 */
final class StagedRestore {
  /** The result of a restore that ended with every collection in place. */
  record Outcome(Map<String, Long> restored, long documents, Map<String, String> skipped) {}

  private final String mongorestore;
  private final PrintStream log;

  StagedRestore(String mongorestore, PrintStream log) {
    this.mongorestore = mongorestore;
    this.log = log;
  }

  /**
   * @param archive opens the archive's bytes (the same object version the checksum was computed on)
   * @param swap false for a verification restore (the staging collections are checked, then dropped)
   */
  Outcome run(RestorePlan plan, MongoUri uri, boolean drop, Supplier<InputStream> archive, String restoreId,
      boolean swap, int serverSelectionTimeoutMs) {
    Set<String> dbs = new LinkedHashSet<>();
    plan.moves().forEach(m -> dbs.add(m.targetDatabase()));
    String stagingPrefix = RestorePlan.STAGING_PREFIX + restoreId + ".";
    try (MongoTarget target = MongoTarget.connect(uri, serverSelectionTimeoutMs)) {
      Map<String, Document> views;
      try {
        List<String> leftovers = target.dropCollectionsStartingWith(dbs, stagingPrefix);
        if (!leftovers.isEmpty()) {
          log.println("restore: dropped staging collections an interrupted run of this restore left: " + leftovers);
        }
        if (swap && !drop) {
          refuseExisting(target, plan);
        }
        restoreIntoStaging(plan, uri, archive);
        views = takeViewsOut(target, plan);
        checkCounts(target, plan, views.keySet());
        if (swap && !drop) {
          refuseExisting(target, plan); // again: the application may have created one while the restore ran
        }
      } catch (RestoreFailed e) {
        dropQuietly(target, dbs, stagingPrefix);
        throw e;
      } catch (AgentException e) {
        dropQuietly(target, dbs, stagingPrefix);
        RestoreFailed f = new RestoreFailed(e.getMessage() + "; the target is unchanged (staging collections dropped)", true);
        f.initCause(e); // a drill names the collections of a CountMismatch
        throw f;
      }
      if (!swap) {
        target.dropCollectionsStartingWith(dbs, stagingPrefix);
      } else {
        swapIntoPlace(target, plan, drop, views);
      }
      Map<String, Long> restored = new LinkedHashMap<>();
      plan.moves().forEach(m -> restored.put(m.target(), m.expectedDocuments()));
      return new Outcome(restored, plan.expectedDocuments(), plan.skipped());
    }
  }

  private void dropQuietly(MongoTarget target, Set<String> dbs, String prefix) {
    try {
      target.dropCollectionsStartingWith(dbs, prefix);
    } catch (AgentException e) {
      log.println("restore: could not drop the staging collections " + prefix + "* : " + e.getMessage());
    }
  }

  private void refuseExisting(MongoTarget target, RestorePlan plan) {
    Map<String, Long> existing = target.counts(plan.moves().stream().map(Move::target).toList(), false);
    if (!existing.isEmpty()) {
      throw new RestoreFailed(
          "the target already has " + describe(existing) + " and drop is false: set drop: true to replace those"
              + " collections, or rename with nsFrom/nsTo; nothing was restored", true);
    }
  }

  private void restoreIntoStaging(RestorePlan plan, MongoUri uri, Supplier<InputStream> archive) {
    List<String> args = new ArrayList<>(List.of("--archive", "--gzip"));
    args.addAll(plan.mongorestoreArgs());
    long[] bytes = {0};
    try (MongoTool restore = MongoTool.start(mongorestore, uri.forTools(), args, log)) {
      String streamError = null;
      try (InputStream in = archive.get(); OutputStream stdin = restore.process().getOutputStream()) {
        byte[] buf = new byte[64 * 1024];
        int n;
        while ((n = in.read(buf)) > 0) {
          stdin.write(buf, 0, n);
          bytes[0] += n;
        }
      } catch (IOException e) {
        streamError = e.getMessage();
      }
      int rc = restore.waitFor();
      if (rc != 0) {
        throw new AgentException("mongorestore exited " + rc + " after " + bytes[0] + " bytes: " + restore.lastStderrLine());
      }
      if (streamError != null) {
        throw new AgentException("streaming the archive into mongorestore failed after " + bytes[0] + " bytes: " + streamError);
      }
      long[] summary = restore.restoreSummary();
      if (summary == null) {
        throw new AgentException("mongorestore exited 0 without its summary line (\"N document(s) restored successfully."
            + " M document(s) failed to restore.\"): last line " + restore.lastStderrLine());
      }
      if (summary[1] > 0 || restore.continuedErrors() > 0) {
        throw new AgentException("mongorestore skipped documents: " + summary[0] + " restored, " + summary[1]
            + " failed to restore" + (restore.firstContinuedError() == null ? "" : " (first: " + restore.firstContinuedError() + ")"));
      }
      log.println("restore: mongorestore reported " + summary[0] + " document(s) restored into staging collections");
    }
  }

  /**
   * Every staging collection against the manifest: estimatedDocumentCount first (metadata, exact for a collection
   * nobody else writes), countDocuments (a scan) only where the two disagree. Views hold no documents of their own.
   */
  private static void checkCounts(MongoTarget target, RestorePlan plan, Set<String> views) {
    List<Move> moves = plan.moves().stream().filter(m -> !views.contains(m.staging())).toList();
    Map<String, Long> got = target.counts(moves.stream().map(Move::staging).toList(), false);
    List<String> recount = moves.stream().filter(m -> !Long.valueOf(m.expectedDocuments()).equals(got.get(m.staging())))
        .map(Move::staging).toList();
    if (!recount.isEmpty()) {
      got.putAll(target.counts(recount, true));
    }
    List<String> diffs = new ArrayList<>();
    List<String> differing = new ArrayList<>();
    for (Move m : moves) {
      Long n = got.get(m.staging());
      if (n == null || n != m.expectedDocuments()) {
        diffs.add(m.source() + " -> " + m.target() + ": manifest " + m.expectedDocuments() + ", restored "
            + (n == null ? "nothing" : n));
        differing.add(m.source());
      }
    }
    if (!diffs.isEmpty()) {
      throw new CountMismatch("document counts differ from the manifest: " + String.join("; ", diffs), differing);
    }
  }

  /**
   * Views come out of the archive as views on the staging database's names: mongorestore keeps their viewOn as
   * dumped (unqualified, so it reads the target's live collection) and a view cannot be renamed. So they are noted,
   * dropped from staging, and created again in place after the collections (same viewOn and pipeline).
   */
  private Map<String, Document> takeViewsOut(MongoTarget target, RestorePlan plan) {
    Map<String, Document> views = target.views(plan.moves().stream().map(Move::staging).toList());
    for (String v : views.keySet()) {
      target.drop(v);
    }
    return views;
  }

  private void swapIntoPlace(MongoTarget target, RestorePlan plan, boolean drop, Map<String, Document> views) {
    List<String> done = new ArrayList<>();
    List<Move> ordered = new ArrayList<>(plan.moves().stream().filter(m -> !views.containsKey(m.staging())).toList());
    ordered.addAll(plan.moves().stream().filter(m -> views.containsKey(m.staging())).toList()); // views after collections
    for (Move m : ordered) {
      try {
        if (views.containsKey(m.staging())) {
          if (drop) {
            target.drop(m.target());
          }
          target.createView(m.target(), views.get(m.staging()));
        } else {
          target.rename(m.staging(), m.target(), drop);
        }
        done.add(m.target());
      } catch (AgentException e) {
        List<String> pending = new ArrayList<>();
        ordered.stream().skip(done.size()).forEach(p -> pending.add(p.target()
            + (views.containsKey(p.staging()) ? " (a view, not created)" : " (in " + p.staging() + ")")));
        throw new RestoreFailed("moving the verified collections into place failed at " + m.target() + ": "
            + e.getMessage() + ". Replaced so far: " + (done.isEmpty() ? "none" : String.join(", ", done))
            + "; not replaced: " + String.join(", ", pending), done.isEmpty());
      }
    }
    log.println("restore: moved " + done.size() + " verified collection(s) and view(s) into place: " + String.join(", ", done));
  }

  private static String describe(Map<String, Long> counts) {
    List<String> out = new ArrayList<>();
    counts.forEach((ns, n) -> out.add(ns + " (" + n + " documents)"));
    return String.join(", ", out);
  }

  /** A restore that failed; {@code targetUnchanged} says whether the target is as it was before. */
  static final class RestoreFailed extends AgentException {
    final boolean targetUnchanged;

    RestoreFailed(String message, boolean targetUnchanged) {
      super(message);
      this.targetUnchanged = targetUnchanged;
    }
  }
}
