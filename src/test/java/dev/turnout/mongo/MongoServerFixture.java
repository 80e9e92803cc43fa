package dev.turnout.mongo;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import de.bwaldvogel.mongo.exception.MongoServerError;
import io.netty.channel.Channel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.bson.Document;

/**
 * A real MongoDB wire-protocol server for tests: de.bwaldvogel mongo-java-server with its in-memory backend on a
 * random port, standalone (no replica set, no oplog). Known differences from mongod that matter here: it over-reports
 * {@code n} on failed inserts (count documents instead), it has no {@code hello} (isMaster only), it refuses writes to
 * the admin database and to system namespaces (so admin.system.version and users cannot live here: the simulated
 * mongodump adds admin.system.version itself), cross-database renameCollection fails.
 *
 * <p>Authentication: the server speaks no SASL. {@link #requireCredentials} makes it answer the simulation's {@code
 * turnoutSimAuth} command with AuthenticationFailed (code 18) for any other user/password/authSource, so the simulated
 * tools fail as the real ones do with wrong credentials. URIs without credentials are always let in; the MongoDB
 * driver used directly (the agent) must connect without credentials.
 */
public final class MongoServerFixture implements AutoCloseable {
  static final String AUTH_COMMAND = "turnoutSimAuth";

  private final MongoServer server;
  private final String host;
  private final int port;
  private final MongoClient client;
  private volatile String[] credentials; // user, password, authSource; null: any credentials pass

  /** Starts on 127.0.0.1 and a free port. */
  public MongoServerFixture() {
    this("127.0.0.1");
  }

  /** Starts on the given address and a free port. */
  public MongoServerFixture(String bindAddress) {
    server = new MongoServer(new SimBackend());
    server.bind(bindAddress, 0);
    host = bindAddress;
    port = server.getLocalAddress().getPort();
    client = MongoClients.create(uri());
  }

  public int port() {
    return port;
  }

  /** {@code host:port}. */
  public String hostPort() {
    return host + ":" + port;
  }

  /** {@code mongodb://127.0.0.1:<port>/} - no database, no credentials. */
  public String uri() {
    return "mongodb://" + hostPort() + "/";
  }

  /** {@code mongodb://127.0.0.1:<port>/<db>}. */
  public String uri(String db) {
    return uri() + db;
  }

  /** {@code mongodb://user:password@127.0.0.1:<port>/<db><query>}; db and query may be empty. */
  public String uri(String user, String password, String db, String query) {
    return "mongodb://" + user + ":" + password + "@" + hostPort() + "/" + db + query;
  }

  /** A driver client (no credentials), closed with the fixture. */
  public MongoClient client() {
    return client;
  }

  /**
   * From now on only these credentials authenticate (authSource as the driver computes it: the URI's authSource, else
   * the URI's database, else admin); any other user, password or authSource fails authentication.
   */
  public MongoServerFixture requireCredentials(String user, String password, String authSource) {
    credentials = new String[] {user, password, authSource};
    return this;
  }

  /** Inserts documents {@code {_id: i, n: i, payload: "<db>.<coll>#i"}} for i in [0, n). */
  public void seed(String db, String coll, int n) {
    seed(db, coll, 0, n);
  }

  /** Inserts documents with _id in [from, from + n). */
  public void seed(String db, String coll, int from, int n) {
    List<Document> docs = new ArrayList<>();
    MongoCollection<Document> c = client.getDatabase(db).getCollection(coll);
    for (int i = from; i < from + n; i++) {
      docs.add(new Document("_id", i).append("n", i).append("payload", db + "." + coll + "#" + i));
      if (docs.size() == 1000) {
        c.insertMany(docs);
        docs.clear();
      }
    }
    if (!docs.isEmpty()) {
      c.insertMany(docs);
    }
    if (n == 0) {
      client.getDatabase(db).createCollection(coll);
    }
  }

  /** Documents per {@code db.coll} of every non-system collection, sorted by namespace. */
  public Map<String, Long> counts() {
    Map<String, Long> out = new TreeMap<>();
    for (String db : client.listDatabaseNames()) {
      if (db.equals("admin") || db.equals("local") || db.equals("config")) {
        continue;
      }
      for (String coll : client.getDatabase(db).listCollectionNames()) {
        if (!coll.startsWith("system.")) {
          out.put(db + "." + coll, client.getDatabase(db).getCollection(coll).countDocuments());
        }
      }
    }
    return out;
  }

  /** Index names of a collection (without _id_). */
  public List<String> indexNames(String db, String coll) {
    List<String> out = new ArrayList<>();
    for (Document idx : client.getDatabase(db).getCollection(coll).listIndexes()) {
      if (!"_id_".equals(idx.getString("name"))) {
        out.add(idx.getString("name"));
      }
    }
    return out;
  }

  /** Drops every database (between test rows). */
  public void reset() {
    for (String db : client.listDatabaseNames()) {
      if (!db.equals("admin")) {
        client.getDatabase(db).drop();
      }
    }
    credentials = null;
  }

  @Override
  public void close() {
    client.close();
    server.shutdownNow();
  }

  /** mongo-java-server's memory backend plus the simulation's credential check. */
  private final class SimBackend extends MemoryBackend {
    @Override
    public de.bwaldvogel.mongo.bson.Document handleCommand(
        Channel channel, String database, String command, de.bwaldvogel.mongo.bson.Document query) {
      if (AUTH_COMMAND.equals(command)) {
        String[] want = credentials;
        if (want != null
            && !(Objects.equals(want[0], query.get("user"))
                && Objects.equals(want[1], query.get("password"))
                && Objects.equals(want[2], query.get("source")))) {
          throw new MongoServerError(18, "AuthenticationFailed", "Authentication failed.");
        }
        de.bwaldvogel.mongo.bson.Document ok = new de.bwaldvogel.mongo.bson.Document();
        ok.put("ok", 1.0);
        return ok;
      }
      return super.handleCommand(channel, database, command, query);
    }
  }
}
