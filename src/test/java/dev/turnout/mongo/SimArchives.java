package dev.turnout.mongo;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonString;
import org.bson.Document;
import org.bson.RawBsonDocument;
import org.bson.codecs.DocumentCodec;

/**
 * Archives in the simulation's format that no healthy mongodump writes, for restore tests: documents that fail to
 * insert (a duplicate _id), and an archive cut inside a collection yet a complete gzip stream (so the object's sha256
 * and gzip check pass, and only mongorestore finds the cut, mid-restore, as the real tool does).
 */
public final class SimArchives {
  private SimArchives() {}

  /** A complete gzip'ed archive of these collections ({@code db.coll} -> documents), in map order. */
  public static byte[] archive(Map<String, List<Document>> collections) {
    return write(collections, null, 0);
  }

  /** Like {@link #archive} but ends after {@code keep} documents of {@code cutIn}: no end frame, no trailer. */
  public static byte[] cutInside(Map<String, List<Document>> collections, String cutIn, int keep) {
    return write(collections, cutIn, keep);
  }

  /**
   * What {@code mongodump --oplog} of a replica set writes (the simulated mongodump cannot: the fixture is standalone):
   * the collections as they were read, then the oplog entries of the dump's window as the namespace "" . "oplog", last
   * (mongodump/prepare.go CreateOplogIntents; mongodump.go dumps the oplog in its phase III, after every collection).
   * Build the entries with {@link Oplog}.
   */
  public static byte[] withOplog(Map<String, List<Document>> collections, List<Document> oplog) {
    return write(collections, null, 0, oplog);
  }

  private static byte[] write(Map<String, List<Document>> collections, String cutIn, int keep) {
    return write(collections, cutIn, keep, null);
  }

  private static byte[] write(Map<String, List<Document>> collections, String cutIn, int keep, List<Document> oplog) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (SimArchive.Writer w = new SimArchive.Writer(bytes, true)) {
      List<BsonDocument> prelude = new ArrayList<>();
      collections.keySet().forEach(ns -> prelude.add(new BsonDocument("db", new BsonString(db(ns)))
          .append("collection", new BsonString(coll(ns))).append("indexes", new BsonArray())));
      if (oplog != null) {
        prelude.add(new BsonDocument("db", new BsonString("")).append("collection", new BsonString("oplog"))
            .append("indexes", new BsonArray()));
      }
      w.prelude(prelude, MongoToolsSim.VERSION, "sim");
      for (var e : collections.entrySet()) {
        String ns = e.getKey();
        w.begin(db(ns), coll(ns));
        int n = 0;
        for (Document d : e.getValue()) {
          if (ns.equals(cutIn) && n++ == keep) {
            return close(w, bytes);
          }
          w.document(new RawBsonDocument(d, new DocumentCodec()));
        }
        w.end(db(ns), coll(ns));
      }
      if (oplog != null) {
        w.begin("", "oplog");
        for (Document e : oplog) {
          w.document(new RawBsonDocument(e, new DocumentCodec()));
        }
        w.end("", "oplog");
      }
      w.trailer();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private static byte[] close(SimArchive.Writer w, ByteArrayOutputStream bytes) throws IOException {
    w.close(); // finishes the gzip stream: the cut is inside the archive, not in the compression
    return bytes.toByteArray();
  }

  /**
   * Oplog entries shaped as a replica set's {@code local.oplog.rs} holds them (MongoDB manual, "Replica Set Oplog";
   * 5.0+ field set): {@code ts} (Timestamp seconds:increment), {@code t} (term), {@code v: 2}, {@code op} (i, u, d, c,
   * n), {@code ns}, {@code o}, {@code o2} (the _id of an update), {@code wall}. Updates use 5.0+'s {@code {$v: 2, diff}}.
   */
  public static final class Oplog {
    private Oplog() {}

    public static Document insert(int second, int inc, String ns, Document doc) {
      return entry(second, inc, "i", ns, doc);
    }

    /** Sets top-level fields of the document with this _id. */
    public static Document update(int second, int inc, String ns, Object id, Document set) {
      return entry(second, inc, "u", ns, new Document("$v", 2).append("diff", new Document("u", set)))
          .append("o2", new Document("_id", id));
    }

    public static Document delete(int second, int inc, String ns, Object id) {
      return entry(second, inc, "d", ns, new Document("_id", id));
    }

    /** A periodic no-op ({@code op: n}), which mongod writes to an idle replica set's oplog. */
    public static Document noop(int second, int inc) {
      return entry(second, inc, "n", "", new Document("msg", "periodic noop"));
    }

    /** A command entry: {@code ns} is {@code <db>.$cmd}. */
    public static Document command(int second, int inc, String db, Document command) {
      return entry(second, inc, "c", db + ".$cmd", command);
    }

    private static Document entry(int second, int inc, String op, String ns, Document o) {
      return new Document("ts", new org.bson.BsonTimestamp(second, inc)).append("t", 1L).append("v", 2)
          .append("op", op).append("ns", ns).append("o", o)
          .append("wall", new java.util.Date(second * 1000L));
    }
  }

  private static String db(String ns) {
    return ns.substring(0, ns.indexOf('.'));
  }

  private static String coll(String ns) {
    return ns.substring(ns.indexOf('.') + 1);
  }
}
