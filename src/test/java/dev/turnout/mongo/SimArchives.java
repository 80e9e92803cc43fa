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

  private static byte[] write(Map<String, List<Document>> collections, String cutIn, int keep) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (SimArchive.Writer w = new SimArchive.Writer(bytes, true)) {
      List<BsonDocument> prelude = new ArrayList<>();
      collections.keySet().forEach(ns -> prelude.add(new BsonDocument("db", new BsonString(db(ns)))
          .append("collection", new BsonString(coll(ns))).append("indexes", new BsonArray())));
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

  private static String db(String ns) {
    return ns.substring(0, ns.indexOf('.'));
  }

  private static String coll(String ns) {
    return ns.substring(ns.indexOf('.') + 1);
  }
}
