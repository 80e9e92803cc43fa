package dev.turnout.mongo;

import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.UpdateOptions;
import dev.turnout.mongo.SimConnection.ToolFailure;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.bson.BsonDocument;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;

/**
 * Simulated {@code mongorestore --oplogReplay}: the archive's oplog applied after every collection was restored and
 * before the indexes are built, as mongo-tools' {@code mongorestore/mongorestore.go} Restore() orders it ("Restore
 * oplog" then RestoreIndexes; TOOLS-2041 moved index builds after the replay so that unique indexes cannot fail it).
 * Read from mongo-tools' {@code mongorestore/oplog.go} (RestoreOplog, HandleOp, HandleNonTxnOp):
 *
 * <ul>
 *   <li>logs {@code replaying oplog} first and {@code applied N oplog entries} last; N counts the entries it applied,
 *       not the skipped ones;
 *   <li>skips namespaces starting with {@code __mdb_internal} and {@code config.*} but for the kept ones
 *       (chunks, collections, databases, settings, shards, tags, version), logging {@code skipping applying the
 *       config.x namespace in applyOps}; skips the no-op {@code n} (and {@code cd ci cu km}); skips the
 *       {@code startIndexBuild/abortIndexBuild/setMultikeyMetadata/dropIdent} commands, logging {@code skipping
 *       applying the oplog entry X};
 *   <li>fails on a command it does not know: {@code error applying oplog: unknown oplog command name X: ...}, which
 *       Restore() reports as {@code restore error: ...} (exit 1; what was applied before stays);
 *   <li>unwraps {@code applyOps} and applies each nested entry.
 * </ul>
 *
 * <p>The real tool sends each entry to the server as {@code applyOps: [entry]}; mongo-java-server has no applyOps, so
 * the simulation applies the same change with ordinary commands, as mongod applies oplog entries: idempotently (an
 * insert of an _id that exists replaces it, mongod's "Do update on DuplicateKey errors" in oplog application; an
 * update of a missing document upserts; a delete of a missing one does nothing), which is what lets mongodump --oplog
 * capture entries that the collection dump already saw. Updates come in both of mongod's oplog formats: operators
 * ({@code $set/$unset}, before 5.0) and {@code {$v: 2, diff: {u, i, d}}} (5.0+, top-level fields only here).
 * Transactions (lsid/txnNumber, prepared or partial) and index commands are not simulated: they fail the run, loudly.
 */
final class SimOplogReplay {
  /** mongodump writes the oplog into an archive as database "" collection "oplog" (mongodump/prepare.go). */
  static boolean isOplog(String db, String coll) {
    return db.isEmpty() && "oplog".equals(coll);
  }

  private static final Set<String> CONFIG_KEEP =
      Set.of("chunks", "collections", "databases", "settings", "shards", "tags", "version");
  private static final Set<String> IGNORED_OPS = Set.of("n", "cd", "ci", "cu", "km");
  private static final Set<String> IGNORED_COMMANDS =
      Set.of("startIndexBuild", "abortIndexBuild", "setMultikeyMetadata", "dropIdent");
  private static final Set<String> KNOWN_COMMANDS = Set.of("renameCollection", "dropDatabase", "applyOps", "dbCheck",
      "create", "convertToCapped", "emptycapped", "drop", "createIndexes", "deleteIndex", "deleteIndexes", "dropIndex",
      "dropIndexes", "collMod", "startIndexBuild", "abortIndexBuild", "commitIndexBuild");

  private final List<RawBsonDocument> entries = new ArrayList<>();
  private final PrintStream err;
  private long applied;

  SimOplogReplay(PrintStream err) {
    this.err = err;
  }

  void add(byte[] entry) {
    entries.add(new RawBsonDocument(entry));
  }

  /** Applies every entry in order; returns how many were applied. */
  long apply(SimConnection conn) {
    SimOptions.log(err, "replaying oplog");
    for (RawBsonDocument e : entries) {
      try {
        handle(conn, e);
      } catch (ToolFailure f) {
        throw new ToolFailure("restore error: " + f.getMessage());
      }
    }
    SimOptions.log(err, "applied " + applied + " oplog entries");
    return applied;
  }

  private void handle(SimConnection conn, BsonDocument op) {
    String ns = op.getString("ns", new org.bson.BsonString("")).getValue();
    String type = op.getString("op").getValue();
    if (ns.startsWith("__mdb_internal")) {
      return;
    }
    if (ns.startsWith("config.") && !CONFIG_KEEP.contains(ns.substring(7))) {
      SimOptions.log(err, "skipping applying the " + ns + " namespace in applyOps");
      return;
    }
    if (IGNORED_OPS.contains(type)) {
      return;
    }
    BsonDocument o = op.getDocument("o");
    if (type.equals("c") && !o.isEmpty() && IGNORED_COMMANDS.contains(o.getFirstKey())) {
      SimOptions.log(err, "skipping applying the oplog entry " + o.getFirstKey());
      return;
    }
    if (op.containsKey("lsid") && op.containsKey("txnNumber")) {
      throw new ToolFailure("sim: transactions in the oplog are not simulated: " + op.toJson());
    }
    applied++;
    int dot = ns.indexOf('.');
    String db = ns.substring(0, Math.max(dot, 0));
    String coll = dot < 0 ? "" : ns.substring(dot + 1);
    var collection = dot < 0 ? null : conn.client.getDatabase(db).getCollection(coll, BsonDocument.class);
    switch (type) {
      case "i" -> collection.replaceOne(new BsonDocument("_id", o.get("_id")), o, new ReplaceOptions().upsert(true));
      case "u" -> update(collection, op.getDocument("o2").get("_id"), o);
      case "d" -> collection.deleteOne(new BsonDocument("_id", o.get("_id")));
      case "c" -> command(conn, db, op, o);
      default -> throw new ToolFailure("error applying oplog: applyOps: unknown op type " + type);
    }
  }

  private void command(SimConnection conn, String db, BsonDocument op, BsonDocument o) {
    String name = o.isEmpty() ? "" : o.getFirstKey();
    if (!KNOWN_COMMANDS.contains(name)) {
      throw new ToolFailure("error applying oplog: unknown oplog command name " + name + ": " + op.toJson());
    }
    switch (name) {
      case "create" -> {
        String coll = o.getString("create").getValue();
        if (!conn.client.getDatabase(db).listCollectionNames().into(new ArrayList<>()).contains(coll)) {
          conn.client.getDatabase(db).createCollection(coll);
        }
      }
      case "drop" -> conn.client.getDatabase(db).getCollection(o.getString("drop").getValue()).drop();
      case "dropDatabase" -> conn.client.getDatabase(db).drop();
      case "applyOps" -> {
        applied--; // the wrapper is not an entry of its own: HandleOp counts each nested one
        for (BsonValue nested : o.getArray("applyOps")) {
          handle(conn, nested.asDocument());
        }
      }
      default -> throw new ToolFailure("sim: oplog command " + name + " is not simulated");
    }
  }

  private static void update(com.mongodb.client.MongoCollection<BsonDocument> c, BsonValue id, BsonDocument o) {
    BsonDocument filter = new BsonDocument("_id", id);
    if (o.containsKey("diff")) {
      // 5.0+ oplog format {$v: 2, diff: {u: {f: v}, i: {f: v}, d: {f: false}}}: top-level fields only
      BsonDocument diff = o.getDocument("diff");
      BsonDocument set = new BsonDocument();
      diff.getDocument("u", new BsonDocument()).forEach(set::append);
      diff.getDocument("i", new BsonDocument()).forEach(set::append);
      BsonDocument update = new BsonDocument();
      if (!set.isEmpty()) {
        update.append("$set", set);
      }
      if (diff.containsKey("d")) {
        update.append("$unset", diff.getDocument("d"));
      }
      if (!update.isEmpty()) {
        c.updateOne(filter, update, new UpdateOptions().upsert(true));
      }
    } else if (!o.isEmpty() && o.getFirstKey().startsWith("$")) {
      BsonDocument update = o.clone();
      update.remove("$v");
      c.updateOne(filter, update, new UpdateOptions().upsert(true));
    } else {
      c.replaceOne(filter, o, new ReplaceOptions().upsert(true));
    }
  }
}
