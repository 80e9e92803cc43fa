package dev.turnout.mongo;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.MongoCommandException;
import com.mongodb.MongoCredential;
import com.mongodb.MongoTimeoutException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import java.util.concurrent.TimeUnit;
import org.bson.Document;

/**
 * The simulated tools' connection: the driver against the server named by the URI, with the tools' failure messages.
 * Credentials are never sent (mongo-java-server speaks no SASL); instead the fixture's {@code turnoutSimAuth} command
 * says whether it would accept them (see {@link MongoServerFixture#requireCredentials}).
 */
final class SimConnection implements AutoCloseable {
  /**
   * The driver's default server selection timeout is 30 s (issue 11: "An unreachable server takes the driver's 30 s
   * server-selection timeout, exit 1"); tests shorten it with this environment variable.
   */
  static final String TIMEOUT_ENV = "SIM_SERVER_SELECTION_TIMEOUT_MS";

  static final int DEFAULT_TIMEOUT_MS = 30_000;

  final MongoClient client;
  /** The database in the URI path, or null: the tools treat it exactly as --db. */
  final String uriDb;

  final String topology;

  private SimConnection(MongoClient client, String uriDb, String topology) {
    this.client = client;
    this.uriDb = uriDb;
    this.topology = topology;
  }

  /**
   * Connects and pings; throws {@link ToolFailure} with the real tools' wording. Issue 11: "Authentication errors echo
   * the URI with its password unmasked" - so do these messages, on purpose. {@code prefix}: mongodump says "can't
   * create session: ", mongorestore "error connecting to host: ".
   */
  static SimConnection open(String uri, String prefix) {
    if (uri == null) {
      uri = "mongodb://localhost:27017/";
    }
    ConnectionString cs;
    try {
      cs = new ConnectionString(uri);
    } catch (IllegalArgumentException e) {
      throw new ToolFailure("error parsing uri: " + e.getMessage());
    }
    String withoutCredentials = uri.replaceFirst("^(mongodb(?:\\+srv)?://)[^@/]*@", "$1");
    long timeoutMs = timeoutMs(cs);
    MongoClientSettings settings =
        MongoClientSettings.builder()
            .applyConnectionString(new ConnectionString(withoutCredentials))
            .applyToClusterSettings(b -> b.serverSelectionTimeout(timeoutMs, TimeUnit.MILLISECONDS))
            .build();
    MongoClient client = MongoClients.create(settings);
    try {
      Document isMaster = client.getDatabase("admin").runCommand(new Document("isMaster", 1));
      checkCredentials(client, cs, uri, prefix);
      String topology =
          isMaster.get("setName") != null
              ? "replicaSet"
              : "isdbgrid".equals(isMaster.get("msg")) ? "sharded" : "standalone";
      return new SimConnection(client, cs.getDatabase(), topology);
    } catch (MongoTimeoutException e) {
      client.close();
      String hosts = String.join(",", cs.getHosts());
      throw new ToolFailure(
          prefix
              + "failed to connect to "
              + uri
              + ": server selection error: server selection timeout, current topology: { Type: Single, Servers: [{ Addr: "
              + hosts
              + ", Type: Unknown, Last error: dial tcp "
              + hosts
              + ": connect: connection refused }, ] }");
    } catch (RuntimeException e) {
      client.close();
      throw e;
    }
  }

  /** The database in the URI's path, or null. */
  static String uriDatabase(String uri) {
    try {
      return uri == null ? null : new ConnectionString(uri).getDatabase();
    } catch (IllegalArgumentException e) {
      throw new ToolFailure("error parsing uri: " + e.getMessage());
    }
  }

  /** The driver default unless the URI sets serverSelectionTimeoutMS; the env var (tests) overrides the default. */
  private static long timeoutMs(ConnectionString cs) {
    if (cs.getServerSelectionTimeout() != null) {
      return cs.getServerSelectionTimeout();
    }
    String env = System.getenv(TIMEOUT_ENV);
    return env == null || env.isBlank() ? DEFAULT_TIMEOUT_MS : Long.parseLong(env.strip());
  }

  /**
   * With credentials, the authSource is the URI's authSource option, else the URI path's database, else admin (issue
   * 11: "With credentials, the URI path also becomes the authSource unless `authSource` is given"; the driver's
   * ConnectionString computes exactly that).
   */
  private static void checkCredentials(MongoClient client, ConnectionString cs, String uri, String prefix) {
    MongoCredential c = cs.getCredential();
    if (c == null) {
      return;
    }
    Document cmd =
        new Document(MongoServerFixture.AUTH_COMMAND, 1)
            .append("user", c.getUserName())
            .append("password", c.getPassword() == null ? null : new String(c.getPassword()))
            .append("source", c.getSource());
    try {
      client.getDatabase("admin").runCommand(cmd);
    } catch (MongoCommandException e) {
      if (e.getErrorCode() == 18) {
        throw new ToolFailure(
            prefix
                + "failed to connect to "
                + uri
                + ": connection() error occurred during connection handshake: auth error: sasl conversation error:"
                + " unable to authenticate using mechanism \"SCRAM-SHA-256\": (AuthenticationFailed) Authentication failed.");
      }
      // any other server (no such command): nothing to check against, the credentials pass
    }
  }

  @Override
  public void close() {
    client.close();
  }

  /** A failure the tool reports as {@code Failed: <message>} and exit 1. */
  static final class ToolFailure extends RuntimeException {
    ToolFailure(String message) {
      super(message, null, false, false);
    }
  }
}
