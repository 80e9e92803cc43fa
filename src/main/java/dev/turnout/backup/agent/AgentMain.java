package dev.turnout.backup.agent;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The backup agent's command line, a second entrypoint of the operator's build:
 *
 * <pre>
 * java -cp 'quarkus-app/app/*:quarkus-app/lib/main/*' dev.turnout.backup.agent.AgentMain backup|verify|backup-and-verify|restore|drill
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
    BackupAgent agent = null;
    try {
      if (!command.matches("backup|verify|restore|backup-and-verify|drill")) {
        throw new AgentException("usage: AgentMain backup|verify|backup-and-verify|restore|drill (settings from environment)", 2);
      }
      AgentConfig cfg = AgentConfig.fromEnv(env);
      // verify and drill read S3 only; a drill restores into its own throwaway mongod and gets no MONGODB_URI
      cfg.require(!command.equals("verify") && !command.equals("drill"));
      if (command.equals("drill")) {
        emit(out, env, new RestoreDrill(cfg, err).run());
        return 0;
      }
      agent = new BackupAgent(cfg, clock, err);
      Map<String, Object> result =
          switch (command) {
            case "backup" -> BackupAgent.summary(command, agent.backup());
            case "verify" -> BackupAgent.summary(command, agent.verify(null));
            case "restore" -> restoreResult(agent, agent.restore(), null);
            default -> BackupAgent.summary(command, agent.verify(agent.backup().object));
          };
      emit(out, env, result);
      return 0;
    } catch (AgentException e) {
      err.println("turnout-agent " + command + " failed: " + e.getMessage());
      emit(out, env, failure(command, agent, e.getMessage(), e));
      return e.exitCode();
    } catch (Exception e) {
      String msg = e.getClass().getSimpleName() + ": " + e.getMessage();
      err.println("turnout-agent " + command + " failed: " + msg);
      emit(out, env, failure(command, agent, msg, null));
      return 1;
    }
  }

  private static Map<String, Object> restoreResult(BackupAgent agent, StagedRestore.Outcome outcome, String error) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("command", "restore");
    r.put("ok", error == null);
    r.put("object", agent.restoredObject);
    r.put("sha256", agent.restoredSha256);
    if (agent.restoredPointInTime != null) {
      r.put("pointInTime", agent.restoredPointInTime);
      if (agent.oplogEntries != null) {
        r.put("oplogEntries", agent.oplogEntries);
      }
    }
    if (outcome != null) {
      r.put("restored", outcome.restored());
      r.put("documents", outcome.documents());
      r.put("failedDocuments", 0);
      r.put("skipped", outcome.skipped());
    }
    return r;
  }

  private static Map<String, Object> failure(String command, BackupAgent agent, String message, AgentException e) {
    Map<String, Object> r =
        "restore".equals(command) && agent != null ? restoreResult(agent, null, message) : new LinkedHashMap<>();
    if (e instanceof RestoreDrill.Failed f) {
      r.putAll(f.details); // which backup the drill restored, and the collections whose counts differ
    }
    r.put("command", command);
    r.put("ok", false);
    r.put("error", message);
    if (e instanceof StagedRestore.RestoreFailed f) {
      r.put("targetUnchanged", f.targetUnchanged);
    } else if ("restore".equals(command)) {
      // every failure outside StagedRestore comes before it touches the target
      r.put("targetUnchanged", true);
    }
    return r;
  }

  /**
   * The result as the last stdout line, and in the termination message file when the Job sets one: Kubernetes copies
   * that file (at most 4096 bytes) into the pod's status, where the operator reads it without the pod's logs.
   */
  private static void emit(PrintStream out, Map<String, String> env, Map<String, Object> result) {
    String terminationLog = env.get("TERMINATION_MESSAGE_PATH");
    String json = toJson(result);
    out.println(json);
    if (terminationLog != null && !terminationLog.isBlank()) {
      dev.turnout.common.Redactor redactor = dev.turnout.common.Redactor.forAgentEnv(env);
      String message = redactor.redact(json);
      // the kubelet keeps at most 4096 bytes and a cut JSON is no report at all: shorten what can be shortened (the
      // per-collection counts, then the error's tail), never the verdict (ok, targetUnchanged)
      if (utf8(message) > TERMINATION_MESSAGE_LIMIT) {
        result.remove("restored");
        result.remove("skipped");
        result.put("truncated", true);
        message = redactor.redact(toJson(result));
      }
      for (int keep = 2000; utf8(message) > TERMINATION_MESSAGE_LIMIT && keep >= 250; keep /= 2) {
        Object error = result.get("error");
        if (error instanceof String e && e.length() > keep) {
          result.put("error", e.substring(0, keep) + "... (kubectl logs has the whole message)");
        }
        message = redactor.redact(toJson(result));
      }
      try {
        // masked like stdout: the file goes into the pod's status, which more people can read than the logs
        Files.write(Path.of(terminationLog), message.getBytes(StandardCharsets.UTF_8));
      } catch (IOException | RuntimeException e) {
        System.err.println("turnout-agent: could not write the termination message to " + terminationLog + ": " + e);
      }
    }
  }

  /** The kubelet's limit for a termination message is 4096 bytes; some room for the kubelet's own framing. */
  static final int TERMINATION_MESSAGE_LIMIT = 4000;

  private static int utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }

  private static String toJson(Map<String, Object> result) {
    try {
      return JSON.writeValueAsString(result);
    } catch (Exception e) {
      return "{\"ok\":" + result.get("ok") + "}";
    }
  }

  static String version() {
    String v = AgentMain.class.getPackage().getImplementationVersion();
    return v == null ? "0.1.0-SNAPSHOT" : v;
  }
}
