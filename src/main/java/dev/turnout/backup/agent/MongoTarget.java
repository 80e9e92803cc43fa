package dev.turnout.backup.agent;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.MongoCommandException;
import com.mongodb.MongoException;
import com.mongodb.MongoNamespace;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.model.RenameCollectionOptions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.bson.Document;

/**
 * What the agent asks the MongoDB server itself, through the Java driver: what the tools do not report reliably
 * (mongo-java-server and mongod alike over-report or stay silent on skipped documents), and the swap of a verified
 * restore from its staging collections into place. Every error is an {@link AgentException} with the password masked.
 */
final class MongoTarget implements AutoCloseable {
  /** How the server is deployed: decides whether mongodump can take a point-in-time dump (--oplog). */
  enum Topology {
    REPLICA_SET("replicaSet"),
    SHARDED("sharded"),
    STANDALONE("standalone"),
    /** The server did not answer hello (unreachable, credentials refused): mongodump will say why. */
    UNKNOWN("unknown");

    final String label;

    Topology(String label) {
      this.label = label;
    }
  }

  private final MongoClient client;
  private final String secret;

  private MongoTarget(MongoClient client, String secret) {
    this.client = client;
    this.secret = secret;
  }

  /** Connects lazily; the first command fails after the driver's server selection timeout when nothing answers. */
  static MongoTarget connect(MongoUri uri, int serverSelectionTimeoutMs) {
    String s = uri.forTools();
    try {
      MongoClientSettings settings =
          MongoClientSettings.builder()
              .applyConnectionString(new ConnectionString(s))
              .applyToClusterSettings(b -> b.serverSelectionTimeout(serverSelectionTimeoutMs, TimeUnit.MILLISECONDS))
              .build();
      return new MongoTarget(MongoClients.create(settings), uri.password());
    } catch (RuntimeException e) {
      throw new AgentException("MONGODB_URI is not a valid connection string: " + mask(e.getMessage(), uri.password()), 2);
    }
  }

  /** The server's version (buildInfo), e.g. "7.0.14"; null when it does not say. */
  String serverVersion() {
    try {
      Object v = client.getDatabase("admin").runCommand(new Document("buildInfo", 1)).get("version");
      return v == null ? null : v.toString();
    } catch (MongoException e) {
      return null;
    }
  }

  /** hello, or isMaster on servers that predate it (before 4.4.2; also mongo-java-server). */
  Topology topology() {
    Document hello;
    try {
      hello = client.getDatabase("admin").runCommand(new Document("hello", 1));
    } catch (MongoCommandException e) {
      if (e.getErrorCode() != 59) { // CommandNotFound
        throw failure("hello", e);
      }
      hello = call("isMaster", () -> client.getDatabase("admin").runCommand(new Document("isMaster", 1)));
    } catch (MongoException e) {
      throw failure("hello", e);
    }
    if ("isdbgrid".equals(hello.getString("msg"))) {
      return Topology.SHARDED;
    }
    return hello.containsKey("setName") ? Topology.REPLICA_SET : Topology.STANDALONE;
  }

  /**
   * Documents per namespace; a namespace without a collection (or view) is absent. One listCollections per database;
   * estimatedDocumentCount (collection metadata, no scan) unless {@code exact}, which scans with countDocuments.
   */
  Map<String, Long> counts(List<String> namespaces, boolean exact) {
    Map<String, Long> out = new LinkedHashMap<>();
    infos(namespaces).forEach((ns, info) -> {
      MongoNamespace n = new MongoNamespace(ns);
      var coll = client.getDatabase(n.getDatabaseName()).getCollection(n.getCollectionName());
      out.put(ns, call("count", () -> exact || "view".equals(info.getString("type"))
          ? coll.countDocuments() : coll.estimatedDocumentCount()));
    });
    return out;
  }

  /** The views among {@code namespaces}: namespace to its {viewOn, pipeline} options. */
  Map<String, Document> views(List<String> namespaces) {
    Map<String, Document> out = new LinkedHashMap<>();
    infos(namespaces).forEach((ns, info) -> {
      if ("view".equals(info.getString("type"))) {
        out.put(ns, info.get("options", new Document()));
      }
    });
    return out;
  }

  /** listCollections' entry of each namespace that exists (collection or view), one listCollections per database. */
  private Map<String, Document> infos(List<String> namespaces) {
    Map<String, Map<String, Document>> byDb = new LinkedHashMap<>();
    Map<String, Document> out = new LinkedHashMap<>();
    for (String ns : namespaces) {
      MongoNamespace n = new MongoNamespace(ns);
      Document info = byDb.computeIfAbsent(n.getDatabaseName(), this::collectionInfos).get(n.getCollectionName());
      if (info != null) {
        out.put(ns, info);
      }
    }
    return out;
  }

  /** Creates a view as mongorestore would have: same viewOn (within the database) and pipeline. */
  void createView(String ns, Document options) {
    MongoNamespace n = new MongoNamespace(ns);
    @SuppressWarnings("unchecked")
    List<Document> pipeline = (List<Document>) options.get("pipeline", List.class);
    call("create view", () -> {
      client.getDatabase(n.getDatabaseName()).createView(n.getCollectionName(), options.getString("viewOn"),
          pipeline == null ? List.of() : pipeline);
      return null;
    });
  }

  void drop(String ns) {
    MongoNamespace n = new MongoNamespace(ns);
    call("drop", () -> {
      client.getDatabase(n.getDatabaseName()).getCollection(n.getCollectionName()).drop();
      return null;
    });
  }

  private Map<String, Document> collectionInfos(String db) {
    Map<String, Document> out = new LinkedHashMap<>();
    call("listCollections", () -> client.getDatabase(db).listCollections().into(new ArrayList<>()))
        .forEach(d -> out.put(d.getString("name"), d));
    return out;
  }

  /** Drops every collection of {@code databases} whose name starts with {@code prefix}; returns what it dropped. */
  List<String> dropCollectionsStartingWith(Set<String> databases, String prefix) {
    List<String> dropped = new ArrayList<>();
    for (String db : new TreeSet<>(databases)) {
      for (String c : call("listCollections", () -> client.getDatabase(db).listCollectionNames().into(new ArrayList<>()))) {
        if (c.startsWith(prefix)) {
          call("drop", () -> {
            client.getDatabase(db).getCollection(c).drop();
            return null;
          });
          dropped.add(db + "." + c);
        }
      }
    }
    return dropped;
  }

  /** renameCollection within one database; with dropTarget the existing target collection is replaced. */
  void rename(String from, String to, boolean dropTarget) {
    MongoNamespace f = new MongoNamespace(from);
    call("renameCollection", () -> {
      client.getDatabase(f.getDatabaseName()).getCollection(f.getCollectionName())
          .renameCollection(new MongoNamespace(to), new RenameCollectionOptions().dropTarget(dropTarget));
      return null;
    });
  }

  @Override
  public void close() {
    client.close();
  }

  private <T> T call(String what, java.util.function.Supplier<T> call) {
    try {
      return call.get();
    } catch (MongoException e) {
      throw failure(what, e);
    }
  }

  private AgentException failure(String what, MongoException e) {
    return new AgentException("MongoDB " + what + " failed: " + mask(e.getMessage(), secret));
  }

  /** The message with the password masked as everywhere else in the agent ({@link dev.turnout.common.Redactor}). */
  static String mask(String message, String password) {
    return dev.turnout.common.Redactor.of(password == null ? List.of() : List.of(password)).redact(message == null ? "" : message);
  }

}
