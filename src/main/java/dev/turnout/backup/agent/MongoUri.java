package dev.turnout.backup.agent;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * A MongoDB connection string split where the tools give its parts a meaning of their own.
 *
 * <p>mongodump and mongorestore treat a database in the URI path ({@code mongodb://h/app}) exactly like {@code --db
 * app}: an include filter on the archive's SOURCE namespaces (mongorestore restores nothing and exits 0 when the
 * archive has no {@code app.*}; mongodump dumps only {@code app}), and with credentials the same path is also the
 * authSource unless {@code authSource} is given (observed with mongo-tools 100.8 and 100.11, issue 11; connection
 * string spec: "the database to authenticate against ... if /database is not specified and authSource is not
 * specified, the default is admin"). The agent therefore never hands a URI with a path to the tools: {@link
 * #forTools()} moves the path into {@code authSource} when credentials need it and drops it otherwise, and the
 * agent says what to restore or dump with explicit options.
 */
public record MongoUri(String scheme, String credentials, String hosts, String database, String options) {

  public static MongoUri parse(String uri) {
    int schemeEnd = uri.indexOf("://");
    if (schemeEnd < 0 || !uri.startsWith("mongodb")) {
      throw new AgentException("MONGODB_URI is not a mongodb:// or mongodb+srv:// connection string", 2);
    }
    String scheme = uri.substring(0, schemeEnd);
    String rest = uri.substring(schemeEnd + 3);
    // the connection string spec requires '/', '?' and '@' in a user name or password to be percent-encoded, so
    // the authority ends at the first '/' or '?', and the credentials at its last '@'
    int pathStart = indexOfAny(rest, 0, '/', '?');
    String authority = pathStart < 0 ? rest : rest.substring(0, pathStart);
    String tail = pathStart < 0 ? "" : rest.substring(pathStart);
    int at = authority.lastIndexOf('@');
    String credentials = at < 0 ? null : authority.substring(0, at);
    String hosts = at < 0 ? authority : authority.substring(at + 1);
    String db = null;
    String opts = null;
    if (tail.startsWith("/")) {
      tail = tail.substring(1);
    }
    int q = tail.indexOf('?');
    String path = q < 0 ? tail : tail.substring(0, q);
    if (q >= 0) {
      opts = tail.substring(q + 1);
    }
    if (!path.isEmpty()) {
      db = URLDecoder.decode(path, StandardCharsets.UTF_8);
    }
    return new MongoUri(scheme, credentials, hosts, db, opts == null || opts.isEmpty() ? null : opts);
  }

  public Optional<String> databaseInPath() {
    return Optional.ofNullable(database);
  }

  /**
   * The URI the tools get: no database in the path (it would filter), and with credentials the path's database kept as
   * {@code authSource} when none is given, so authentication works exactly as the user's URI said.
   */
  public String forTools() {
    String opts = options;
    // not for mongodb+srv: its DNS TXT record may set authSource (Atlas sets admin), and an authSource in the URI
    // would override it; not for mechanisms whose source is fixed ($external: X.509, GSSAPI, AWS, PLAIN)
    if (database != null && credentials != null && !hasOption("authSource") && !scheme.equals("mongodb+srv")
        && !externalMechanism()) {
      String auth = "authSource=" + java.net.URLEncoder.encode(database, StandardCharsets.UTF_8);
      opts = opts == null ? auth : opts + "&" + auth;
    }
    StringBuilder b = new StringBuilder(scheme).append("://");
    if (credentials != null) {
      b.append(credentials).append('@');
    }
    b.append(hosts).append('/');
    if (opts != null) {
      b.append('?').append(opts);
    }
    return b.toString();
  }

  /** The user's password as it appears in the string (percent-encoded) and decoded, for masking; null without one. */
  public String password() {
    if (credentials == null || credentials.indexOf(':') < 0) {
      return null;
    }
    return credentials.substring(credentials.indexOf(':') + 1);
  }

  private boolean externalMechanism() {
    if (options == null) {
      return false;
    }
    for (String kv : options.split("&")) {
      if (kv.regionMatches(true, 0, "authMechanism=", 0, 14)) {
        String m = kv.substring(14).toUpperCase(java.util.Locale.ROOT);
        return m.equals("MONGODB-X509") || m.equals("GSSAPI") || m.equals("MONGODB-AWS") || m.equals("PLAIN");
      }
    }
    return false;
  }

  private boolean hasOption(String name) {
    if (options == null) {
      return false;
    }
    for (String kv : options.split("&")) {
      if (kv.regionMatches(true, 0, name + "=", 0, name.length() + 1)) {
        return true;
      }
    }
    return false;
  }

  private static int indexOfAny(String s, int from, char a, char b) {
    for (int i = Math.max(0, from); i < s.length(); i++) {
      if (s.charAt(i) == a || s.charAt(i) == b) {
        return i;
      }
    }
    return -1;
  }

  @Override
  public String toString() {
    return scheme + "://" + (credentials == null ? "" : "***@") + hosts + "/" + (database == null ? "" : database);
  }
}
