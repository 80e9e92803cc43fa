package dev.turnout.backup.agent;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.turnout.backup.catalog.BackupManifest;
import java.io.PrintStream;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The backup agent's command line, a second entrypoint of the operator's build:
 *
 * <pre>
 * java -cp 'quarkus-app/app/*:quarkus-app/lib/main/*' dev.turnout.backup.agent.AgentMain backup|verify|backup-and-verify|restore
 * </pre>
 *
 * Settings come from environment variables only ({@link AgentConfig}). Progress and errors go to stderr; the last line
 * on stdout is one JSON object ({@code {"command":..,"ok":true|false,..}}) for people and logs. The operator reads
 * results from the manifests in S3, never from this output. Exit codes: 0 success, 1 failure, 2 bad usage/settings.
 */
public final class AgentMain {
  private static final ObjectMapper JSON = new ObjectMapper();

  private AgentMain() {}

  public static void main(String[] args) {
    System.exit(run(args, System.getenv(), Clock.systemUTC(), System.out, System.err));
  }

  /** Runs one command; returns the exit code. */
  public static int run(String[] args, Map<String, String> env, Clock clock, PrintStream rawOut, PrintStream rawErr) {
    // everything the agent prints (the tools' forwarded stderr, its own messages, the JSON result) is masked with the
    // secrets it was given: the tools echo the URI with its password on authentication errors
    dev.turnout.common.Redactor redactor = dev.turnout.common.Redactor.forAgentEnv(env);
    PrintStream out = redactor.wrap(rawOut);
    PrintStream err = redactor.wrap(rawErr);
    try {
      return runMasked(args, env, clock, out, err);
    } finally {
      out.close(); // emits a last partial line, masked; rawOut itself stays open
      err.close();
    }
  }

  private static int runMasked(String[] args, Map<String, String> env, Clock clock, PrintStream out, PrintStream err) {
    String command = args.length == 1 ? args[0] : "";
    try {
      if (!command.matches("backup|verify|restore|backup-and-verify")) {
        throw new AgentException("usage: AgentMain backup|verify|backup-and-verify|restore (settings from environment)", 2);
      }
      AgentConfig cfg = AgentConfig.fromEnv(env);
      cfg.require(!command.equals("verify"));
      BackupAgent agent = new BackupAgent(cfg, clock, err);
      BackupManifest m =
          switch (command) {
            case "backup" -> agent.backup();
            case "verify" -> agent.verify(null);
            case "restore" -> agent.restore();
            default -> agent.verify(agent.backup().object);
          };
      out.println(JSON.writeValueAsString(BackupAgent.summary(command, m)));
      return 0;
    } catch (AgentException e) {
      err.println("turnout-agent " + command + " failed: " + e.getMessage());
      printFailure(out, command, e.getMessage());
      return e.exitCode();
    } catch (Exception e) {
      String msg = e.getClass().getSimpleName() + ": " + e.getMessage();
      err.println("turnout-agent " + command + " failed: " + msg);
      printFailure(out, command, msg);
      return 1;
    }
  }

  private static void printFailure(PrintStream out, String command, String message) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("command", command);
    r.put("ok", false);
    r.put("error", message);
    try {
      out.println(JSON.writeValueAsString(r));
    } catch (Exception ignored) {
      out.println("{\"ok\":false}");
    }
  }

  static String version() {
    String v = AgentMain.class.getPackage().getImplementationVersion();
    return v == null ? "0.1.0-SNAPSHOT" : v;
  }
}
