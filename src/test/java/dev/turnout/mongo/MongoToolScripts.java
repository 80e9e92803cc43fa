package dev.turnout.mongo;

import com.mongodb.ConnectionString;
import com.mongodb.client.MongoClients;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.bson.BsonDocument;

/**
 * Installs {@code mongodump} and {@code mongorestore} executables (sh scripts) that run {@link MongoToolsSim} in a new
 * JVM: this JVM's java binary, a classpath of just the simulation and the MongoDB driver (written to an argument file
 * next to the scripts: no length limit, no dependence on surefire's manifest-only booter jar), and flags for a fast
 * start. Each run is a separate process, as the agent expects of the real tools.
 */
public final class MongoToolScripts {
  /** Flags for a short-lived JVM: C1 only, CDS on, small heap, serial GC. */
  static final List<String> JVM_FLAGS =
      List.of("-XX:TieredStopAtLevel=1", "-Xshare:auto", "-Xss512k", "-Xmx256m", "-XX:+UseSerialGC", "-XX:-UsePerfData");

  /** The installed executables. */
  public record Tools(Path mongodump, Path mongorestore, Path dir) {
    /** The simulated mongod ({@link SimMongod}) next to the tools, for RestoreTest verification. */
    public Path mongod() {
      return dir.resolve("mongod");
    }
  }

  private MongoToolScripts() {}

  /** Writes {@code dir/mongodump}, {@code dir/mongorestore} (0755) and {@code dir/mongo-tools-sim.args}. */
  public static Tools install(Path dir) throws IOException {
    Files.createDirectories(dir);
    Path argFile = dir.resolve("mongo-tools-sim.args");
    StringBuilder args = new StringBuilder();
    for (String flag : JVM_FLAGS) {
      args.append(flag).append('\n');
    }
    args.append("-cp\n").append(quote(String.join(java.io.File.pathSeparator, classpath()))).append('\n');
    args.append(MongoToolsSim.class.getName()).append('\n');
    Files.writeString(argFile, args.toString(), StandardCharsets.UTF_8);
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    script(dir, "mongod", java, argFile);
    return new Tools(script(dir, "mongodump", java, argFile), script(dir, "mongorestore", java, argFile), dir);
  }

  private static Path script(Path dir, String tool, Path java, Path argFile) throws IOException {
    Path p = dir.resolve(tool);
    String body = "#!/bin/sh\n# simulated " + tool + " (dev.turnout.mongo.MongoToolsSim), see MongoToolScripts\n"
        + "exec " + shellQuote(java.toString()) + " @" + shellQuote(argFile.toString()) + " " + tool + " \"$@\"\n";
    Files.writeString(p, body, StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    return p;
  }

  /** Where the simulation, the sync driver, driver-core and bson were loaded from. */
  static Set<String> classpath() {
    Set<String> out = new LinkedHashSet<>();
    for (Class<?> c : List.of(MongoToolsSim.class, MongoClients.class, ConnectionString.class, BsonDocument.class,
        // the simulated mongod: mongo-java-server and what it needs at run time
        de.bwaldvogel.mongo.MongoServer.class, de.bwaldvogel.mongo.backend.memory.MemoryBackend.class,
        org.slf4j.LoggerFactory.class, io.netty.channel.Channel.class, io.netty.buffer.ByteBuf.class,
        io.netty.util.concurrent.Future.class, io.netty.handler.codec.ByteToMessageDecoder.class,
        io.netty.resolver.AddressResolver.class, io.netty.handler.logging.LoggingHandler.class)) {
      out.add(location(c));
    }
    return out;
  }

  /**
   * The jar or class directory a class was loaded from. Quarkus tests load classes through a class loader whose code
   * sources have no location, so the class file's own URL is the fallback ({@code jar:file:...!/...} or {@code file:}).
   */
  static String location(Class<?> c) {
    try {
      var source = c.getProtectionDomain().getCodeSource();
      if (source != null && source.getLocation() != null) {
        return Path.of(source.getLocation().toURI()).toString();
      }
      String file = c.getName().replace('.', '/') + ".class";
      // Quarkus serves classes from memory (quarkus: URLs); the JVM's own class path has the same files
      java.net.URL url = ClassLoader.getSystemClassLoader().getResource(file);
      if (url == null || !(url.getProtocol().equals("jar") || url.getProtocol().equals("file"))) {
        url = c.getClassLoader().getResource(file);
      }
      if (url == null) {
        throw new IllegalStateException("cannot find where " + c.getName() + " was loaded from");
      }
      String u = url.toString();
      if (u.startsWith("jar:")) {
        return Path.of(new java.net.URI(u.substring(4, u.indexOf("!/")))).toString();
      }
      String dir = u.substring(0, u.length() - file.length());
      return Path.of(new java.net.URI(dir)).toString();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** java @argfile quoting: double quotes, backslashes and quotes escaped. */
  private static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  private static String shellQuote(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }
}
