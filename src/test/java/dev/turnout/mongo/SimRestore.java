package dev.turnout.mongo;

import com.mongodb.MongoBulkWriteException;
import com.mongodb.MongoException;
import com.mongodb.bulk.BulkWriteError;
import com.mongodb.client.model.InsertManyOptions;
import dev.turnout.mongo.SimConnection.ToolFailure;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonValue;
import org.bson.Document;
import org.bson.RawBsonDocument;

/** Simulated mongorestore --archive [--gzip] [--drop] [--stopOnError] [--dryRun] [--ns*] [--oplogReplay]. */
final class SimRestore {
  private static final int BATCH = 1000; // mongorestore's default bulk size in documents
  private static final String SOURCE = "archive on stdin";

  private final SimOptions opts;
  private final PrintStream err;
  long successes;
  long failures;

  SimRestore(SimOptions opts, PrintStream err) {
    this.opts = opts;
    this.err = err;
  }

  int run(InputStream stdin) throws IOException {
    try (SimConnection conn = SimConnection.open(opts.uri, "error connecting to host: ")) {
      // Issue 11: "A database in the URI path (`mongodb://h/target`) acts exactly like `--db target`: it is added to
      // the include filter, matched against the SOURCE namespaces of the archive. ... It never renames into that
      // database." and "the URI db is appended to includes (union)".
      String db = opts.db != null ? opts.db : conn.uriDb;
      if (db != null) {
        SimOptions.log(err, "the --db and --collection args should only be used when restoring from a BSON file."
            + " Other uses are deprecated and will not exist in the future; use --nsInclude instead");
      }
      // Issue 11: "`mongorestore --oplogReplay` refuses includes". mongo-tools mongorestore/mongorestore.go,
      // ParseAndValidateOptions (after connecting: GetNodeType comes first), in this order: NSInclude or ToolOptions.DB
      // (the URI's database lands there too) -> "cannot use --oplogReplay with includes specified"; NSExclude or the
      // deprecated excludeCollection(sWithPrefix) -> "... with excludes specified"; NSFrom -> "... with namespace
      // renames specified". Printed by main as "Failed: <message>", then the summary line, exit 1.
      if (opts.oplogReplay) {
        if (!opts.nsInclude.isEmpty() || db != null) {
          throw new ToolFailure("cannot use --oplogReplay with includes specified");
        }
        if (!opts.nsExclude.isEmpty()) {
          throw new ToolFailure("cannot use --oplogReplay with excludes specified");
        }
        if (!opts.nsFrom.isEmpty()) {
          throw new ToolFailure("cannot use --oplogReplay with namespace renames specified");
        }
      }
      List<String> includes = new ArrayList<>(opts.nsInclude);
      if (db != null) {
        includes.add(NamespaceRules.escape(db) + "." + (opts.collection != null ? opts.collection : "*"));
      }
      if (includes.isEmpty()) {
        includes.add("*");
      }
      NamespaceRules.NsMatcher includer;
      NamespaceRules.NsMatcher excluder;
      NamespaceRules.Renamer renamer;
      try {
        includer = new NamespaceRules.NsMatcher(includes);
        excluder = new NamespaceRules.NsMatcher(opts.nsExclude);
        renamer = new NamespaceRules.Renamer(opts.nsFrom, opts.nsTo);
      } catch (IllegalArgumentException e) {
        throw new ToolFailure("invalid renames or includes: " + e.getMessage());
      }
      InputStream in = "-".equals(opts.archive) || opts.archive == null || opts.archive.isEmpty()
          ? stdin
          : Files.newInputStream(Path.of(opts.archive));
      try {
        restore(conn, in, includer, excluder, renamer);
      } catch (SimArchive.Truncated e) {
        throw new ToolFailure(archiveError("error demultiplexing archive; archive io error"));
      } catch (SimArchive.Corrupt e) {
        throw new ToolFailure(archiveError("corruption found in archive; " + e.getMessage()));
      }
    }
    return 0;
  }

  private String current; // destination being restored, for error messages

  private String archiveError(String message) {
    if (current == null) {
      return message;
    }
    SimOptions.log(err, "demux finishing when there are still outs (1)");
    return current + ": error restoring from " + SOURCE + ": reading bson input: " + message;
  }

  private void restore(
      SimConnection conn,
      InputStream in,
      NamespaceRules.NsMatcher includer,
      NamespaceRules.NsMatcher excluder,
      NamespaceRules.Renamer renamer)
      throws IOException {
    SimArchive.Reader reader;
    SimArchive.Frame prelude;
    try {
      reader = new SimArchive.Reader(in, opts.gzip);
      prelude = reader.next();
    } catch (SimArchive.Truncated | SimArchive.Corrupt e) {
      throw new ToolFailure("stream or file does not appear to be a mongodump archive");
    }
    if (prelude.tag() != SimArchive.PRELUDE
        || !SimArchive.FORMAT.equals(prelude.doc().getString("format", new org.bson.BsonString("")).getValue())) {
      throw new ToolFailure("stream or file does not appear to be a mongodump archive");
    }
    SimOptions.log(err, "preparing collections to restore from");
    // Issue 11: "`--nsInclude`/`--nsExclude` match source namespaces before `--nsFrom/--nsTo` renaming".
    Map<String, String> destinations = new LinkedHashMap<>();
    Map<String, BsonArray> indexes = new LinkedHashMap<>();
    Map<String, String> taken = new LinkedHashMap<>();
    List<String> conflicts = new ArrayList<>();
    boolean hasOplog = false;
    for (BsonValue v : prelude.doc().getArray("namespaces")) {
      BsonDocument ns = v.asDocument();
      if (SimOplogReplay.isOplog(ns.getString("db").getValue(), ns.getString("collection").getValue())) {
        // never a collection to restore: replayed with --oplogReplay, else read past (mongorestore/filepath.go mutes it)
        hasOplog = true;
        continue;
      }
      String source = ns.getString("db").getValue() + "." + ns.getString("collection").getValue();
      // admin.system.version is mongorestore's auth-version special collection: never restored as data.
      if (source.equals("admin." + SimDump.SYSTEM_VERSION) || !includer.has(source) || excluder.has(source)) {
        continue;
      }
      String dest = renamer.get(source);
      String other = taken.putIfAbsent(dest, source);
      if (other != null) {
        conflicts.add("namespace conflict: " + other + " and " + source + " both map to " + dest);
      }
      destinations.put(source, dest);
      indexes.put(source, ns.getArray("indexes"));
    }
    if (!conflicts.isEmpty()) {
      conflicts.forEach(c -> SimOptions.log(err, c));
      throw new ToolFailure("cannot restore with conflicting namespace destinations");
    }
    if (opts.oplogReplay && !hasOplog) {
      // mongorestore/mongorestore.go, Restore(): checked once the intents are built from the prelude, before any data
      throw new ToolFailure("no oplog file to replay; make sure you run mongodump with --oplog");
    }
    SimOplogReplay oplog = opts.oplogReplay ? new SimOplogReplay(err) : null;
    Map<String, BsonArray> deferredIndexes = new LinkedHashMap<>();
    if (opts.dryRun) {
      // Issue 11: "`--dryRun` does not read the data and does not detect truncation": only the prelude was read.
      SimOptions.log(err, "dry run completed");
      return;
    }
    List<RawBsonDocument> batch = new ArrayList<>();
    long collSuccesses = 0;
    long collFailures = 0;
    String source = null;
    for (SimArchive.Frame f = reader.next(); f != null; f = reader.next()) {
      switch (f.tag()) {
        case SimArchive.HEADER -> {
          inOplog = SimOplogReplay.isOplog(f.doc().getString("db").getValue(), f.doc().getString("collection").getValue());
          source = f.doc().getString("db").getValue() + "." + f.doc().getString("collection").getValue();
          current = inOplog ? null : destinations.get(source);
          collSuccesses = 0;
          collFailures = 0;
          if (current != null) {
            SimOptions.log(err, "reading metadata for " + current + " from " + SOURCE);
            if (opts.drop) {
              // Issue 11: "with `--drop`, the target's collections are dropped first and only the partial data comes
              // back": each collection is dropped just before it is restored, so a cut later leaves it partial.
              SimOptions.log(err, "dropping collection " + current + " before restoring");
              collection(conn, current).drop();
            }
            createIfMissing(conn, current);
            SimOptions.log(err, "restoring " + current + " from " + SOURCE);
          }
        }
        case SimArchive.DATA -> {
          if (inOplog && oplog != null) {
            oplog.add(f.bytes());
          } else if (current != null) {
            batch.add(new RawBsonDocument(f.bytes()));
            if (batch.size() >= BATCH) {
              long[] r = insert(conn, current, batch);
              collSuccesses += r[0];
              collFailures += r[1];
            }
          }
        }
        case SimArchive.END -> {
          if (current != null) {
            long[] r = insert(conn, current, batch);
            collSuccesses += r[0];
            collFailures += r[1];
            SimOptions.log(err, "finished restoring " + current + " (" + collSuccesses + " "
                + SimOptions.plural(collSuccesses, "document", "documents") + ", " + collFailures + " "
                + SimOptions.plural(collFailures, "failure", "failures") + ")");
            if (oplog != null) {
              deferredIndexes.put(current, indexes.get(source)); // built after the replay (TOOLS-2041)
            } else {
              restoreIndexes(conn, current, indexes.get(source));
            }
          }
          current = null;
          inOplog = false;
        }
        default -> {}
      }
    }
    if (oplog != null) {
      oplog.apply(conn);
      deferredIndexes.forEach((dest, specs) -> restoreIndexes(conn, dest, specs));
    }
  }

  private boolean inOplog; // reading the archive's oplog block

  /**
   * Inserts and clears the batch. Issue 11: "Documents that fail to insert (e.g. duplicate _id without `--drop`) are
   * skipped and mongorestore exits 0; the only signals are `continuing through error:` lines and the final ... with M >
   * 0. With `--stopOnError` it exits 1 and what was restored before stays." Counts come from the write errors, not
   * from the reply's n (mongo-java-server over-reports n on failed inserts).
   */
  private long[] insert(SimConnection conn, String dest, List<RawBsonDocument> batch) {
    if (batch.isEmpty()) {
      return new long[] {0, 0};
    }
    int size = batch.size();
    try {
      collection(conn, dest).insertMany(batch, new InsertManyOptions().ordered(opts.stopOnError));
      successes += size;
      return new long[] {size, 0};
    } catch (MongoBulkWriteException e) {
      List<BulkWriteError> errors = e.getWriteErrors();
      if (opts.stopOnError) {
        long ok = errors.isEmpty() ? 0 : errors.get(0).getIndex();
        successes += ok;
        throw new ToolFailure(dest + ": error restoring from " + SOURCE + ": "
            + (errors.isEmpty() ? e.getMessage() : errors.get(0).getMessage()));
      }
      for (BulkWriteError w : errors) {
        SimOptions.log(err, "continuing through error: " + w.getMessage());
      }
      long ok = size - errors.size();
      successes += ok;
      failures += errors.size();
      return new long[] {ok, errors.size()};
    } finally {
      batch.clear();
    }
  }

  private void restoreIndexes(SimConnection conn, String dest, BsonArray specs) {
    if (specs == null || specs.isEmpty()) {
      SimOptions.log(err, "no indexes to restore for collection " + dest);
      return;
    }
    SimOptions.log(err, "restoring indexes for collection " + dest + " from metadata");
    int dot = dest.indexOf('.');
    try {
      conn.client.getDatabase(dest.substring(0, dot)).runCommand(
          new Document("createIndexes", dest.substring(dot + 1)).append("indexes", specs));
    } catch (MongoException e) {
      throw new ToolFailure(dest + ": error creating indexes for " + dest + ": " + e.getMessage());
    }
  }

  /** mongorestore creates each collection from its metadata before inserting, so empty ones come back too. */
  private static void createIfMissing(SimConnection conn, String ns) {
    int dot = ns.indexOf('.');
    var db = conn.client.getDatabase(ns.substring(0, dot));
    String coll = ns.substring(dot + 1);
    if (!db.listCollectionNames().into(new ArrayList<>()).contains(coll)) {
      db.createCollection(coll);
    }
  }

  private static com.mongodb.client.MongoCollection<RawBsonDocument> collection(SimConnection conn, String ns) {
    int dot = ns.indexOf('.');
    return conn.client.getDatabase(ns.substring(0, dot)).getCollection(ns.substring(dot + 1), RawBsonDocument.class);
  }
}
