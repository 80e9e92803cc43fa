package dev.turnout.mongo;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoCursor;
import dev.turnout.mongo.SimConnection.ToolFailure;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonString;
import org.bson.Document;
import org.bson.RawBsonDocument;

/** Simulated mongodump --archive [--gzip] [--db] [--collection] [--oplog]. */
final class SimDump {
  /**
   * mongod always has admin.system.version (featureCompatibilityVersion); mongo-java-server refuses writes to system
   * namespaces and to admin, so the dump adds it, as mongodump of a real server would write it (issue 11 item 5:
   * "RestoreTest ... always fails on full dumps (it counts admin.system.version)").
   */
  static final String SYSTEM_VERSION = "system.version";

  private final SimOptions opts;
  private final PrintStream err;

  SimDump(SimOptions opts, PrintStream err) {
    this.opts = opts;
    this.err = err;
  }

  int run(OutputStream stdout) throws IOException {
    // Issue 11: "`mongodump --oplog` works only on full dumps" - mongodump validates this before connecting:
    // "Failed: bad option: --oplog mode only supported on full dumps". The URI database counts as --db.
    String uriDb = SimConnection.uriDatabase(opts.uri);
    String db = opts.db != null ? opts.db : uriDb;
    if (opts.oplog && db != null) {
      throw new ToolFailure("bad option: --oplog mode only supported on full dumps");
    }
    if (opts.collection != null && db == null) {
      throw new ToolFailure("bad option: cannot dump a collection without a specified database");
    }
    try (SimConnection conn = SimConnection.open(opts.uri, "can't create session: ")) {
      if (opts.oplog && !"replicaSet".equals(conn.topology)) {
        // Issue 11: "... and only against a replica set (standalone: exit 1, `error getting oplog start`, and an empty
        // archive file is left behind)". Nothing is written to stdout before this check.
        throw new ToolFailure("error getting oplog start: error getting recent oplog entry: mongo: no documents in result");
      }
      if (opts.oplog) {
        throw new ToolFailure("sim: --oplog against a replica set is not simulated (the fixture is standalone)");
      }
      List<String[]> namespaces = namespaces(conn, db);
      List<BsonDocument> prelude = new ArrayList<>();
      for (String[] ns : namespaces) {
        prelude.add(metadata(conn, ns[0], ns[1]));
      }
      OutputStream target = "-".equals(opts.archive) || opts.archive == null || opts.archive.isEmpty()
          ? stdout
          : Files.newOutputStream(Path.of(opts.archive));
      try (SimArchive.Writer w = new SimArchive.Writer(target, opts.gzip)) {
        w.prelude(prelude, MongoToolsSim.VERSION, serverVersion(conn));
        for (String[] ns : namespaces) {
          String name = ns[0] + "." + ns[1];
          SimOptions.log(err, "writing " + name + " to archive on stdout");
          w.begin(ns[0], ns[1]);
          if (isSystemVersion(ns[0], ns[1])) {
            w.document(new RawBsonDocument(
                new BsonDocument("_id", new BsonString("featureCompatibilityVersion")).append("version", new BsonString("7.0")),
                new org.bson.codecs.BsonDocumentCodec()));
          } else {
            MongoCollection<RawBsonDocument> c = conn.client.getDatabase(ns[0]).getCollection(ns[1], RawBsonDocument.class);
            try (MongoCursor<RawBsonDocument> cur = c.find().batchSize(1000).iterator()) {
              while (cur.hasNext()) {
                w.document(cur.next());
              }
            }
          }
          long n = w.end(ns[0], ns[1]);
          // Issue 11 / contract: the agent's manifest counts come from these lines, one per collection, also for 0.
          SimOptions.log(err, "done dumping " + name + " (" + n + " " + SimOptions.plural(n, "document", "documents") + ")");
        }
        w.trailer();
      }
    }
    return 0;
  }

  private static boolean isSystemVersion(String db, String coll) {
    return "admin".equals(db) && SYSTEM_VERSION.equals(coll);
  }

  /**
   * What a dump covers: --db (or the URI's database, issue 11: "A database in the URI path ... acts exactly like
   * `--db`") or every database but local; system collections are skipped except admin.system.version. A database
   * that does not exist yields no namespaces: issue 11 "mongodump of a database that does not exist exits 0 and
   * writes a valid, empty archive".
   */
  private List<String[]> namespaces(SimConnection conn, String db) {
    List<String> dbs = new ArrayList<>();
    if (db != null) {
      dbs.add(db);
    } else {
      conn.client.listDatabaseNames().forEach(dbs::add);
      dbs.remove("local");
      if (!dbs.contains("admin")) {
        dbs.add(0, "admin");
      }
    }
    List<String[]> out = new ArrayList<>();
    for (String d : dbs.stream().sorted().toList()) {
      List<String> colls = new ArrayList<>();
      if (!"admin".equals(d)) {
        conn.client.getDatabase(d).listCollectionNames().forEach(colls::add);
      }
      colls.removeIf(c -> c.startsWith("system."));
      if ("admin".equals(d)) {
        colls.add(SYSTEM_VERSION);
      }
      for (String c : colls.stream().sorted().toList()) {
        if (opts.collection == null || opts.collection.equals(c)) {
          out.add(new String[] {d, c});
        }
      }
    }
    return out;
  }

  private static BsonDocument metadata(SimConnection conn, String db, String coll) {
    BsonArray indexes = new BsonArray();
    if (!isSystemVersion(db, coll)) {
      for (Document idx : conn.client.getDatabase(db).getCollection(coll).listIndexes()) {
        if (!"_id_".equals(idx.getString("name"))) {
          idx.remove("ns");
          idx.remove("v");
          indexes.add(idx.toBsonDocument());
        }
      }
    }
    return new BsonDocument("db", new BsonString(db))
        .append("collection", new BsonString(coll))
        .append("indexes", indexes);
  }

  private static String serverVersion(SimConnection conn) {
    try {
      return String.valueOf(conn.client.getDatabase("admin").runCommand(new Document("buildInfo", 1)).get("version"));
    } catch (RuntimeException e) {
      return "unknown";
    }
  }
}
