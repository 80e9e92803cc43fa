package dev.turnout.realtier;

import dev.turnout.backup.agent.AgentMain;
import dev.turnout.backup.agent.FakeMongo;
import dev.turnout.sim.JobResult;
import dev.turnout.sim.JobRunner;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The container of a backup or restore pod on the fake node: the real agent (AgentMain, in the test JVM) with the
 * env a kubelet would give it (literal values, secretKeyRef values read from the pod's namespace at start, the
 * job-name label the Job controller put on the pod) and fake mongodump/mongorestore. Its output goes to
 * target/real-tier/agent/, as `kubectl logs` would keep it.
 */
final class AgentPods {
  static final String JOB_NAME_FIELD = "metadata.labels['job-name']";

  private AgentPods() {}

  /** Runs the agent for each Job the rule matches; exit 0 ends the pod Succeeded, anything else Failed. */
  static JobRunner runner(KubernetesClient client, FakeMongo fake) {
    return job -> {
      Map<String, String> env = env(job, ref -> secretValue(client, job.getMetadata().getNamespace(), ref.getName(), ref.getKey()));
      env.put("MONGODUMP", fake.mongodump(-1).toString());
      env.put("MONGORESTORE", fake.mongorestore(1000).toString());
      env.put("S3_PART_SIZE_MB", "5");
      // nothing listens at the samples' mongo.example: the agent's topology question fails fast, the fake dumps
      env.put("MONGO_SERVER_SELECTION_TIMEOUT_MS", "2000");
      try (SecretVolumes keys = SecretVolumes.materialize(client, job, env)) {
        return run(job, env);
      }
    };
  }

  /**
   * Runs the agent with the simulated mongodump/mongorestore/mongod (dev.turnout.mongo), which talk over the wire
   * protocol to whatever server the Job's MONGODB_URI names: a MongoServerFixture of the test.
   */
  static JobRunner runner(KubernetesClient client, dev.turnout.mongo.MongoToolScripts.Tools tools) {
    return job -> {
      Map<String, String> env = env(job, ref -> secretValue(client, job.getMetadata().getNamespace(), ref.getName(), ref.getKey()));
      env.put("MONGODUMP", tools.mongodump().toString());
      env.put("MONGORESTORE", tools.mongorestore().toString());
      env.put("MONGOD", tools.mongod().toString());
      env.put("MONGO_SERVER_SELECTION_TIMEOUT_MS", "5000");
      try (SecretVolumes keys = SecretVolumes.materialize(client, job, env)) { // e.g. the encryption key Secret
        return run(job, env);
      }
    };
  }

  /**
   * Runs the agent as the kubelet runs the container: a fresh termination message file mounted at the container's
   * terminationMessagePath, copied into the pod's terminated state when the container ends.
   */
  static JobResult run(Job job, Map<String, String> env) throws IOException {
    Path terminationLog = Files.createTempFile("termination-log", "");
    try {
      env.put("TERMINATION_MESSAGE_PATH", terminationLog.toString());
      List<String> command = container(job).getCommand();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      int rc = AgentMain.run(new String[] {command.get(command.size() - 1)}, env, Clock.systemUTC(),
          new PrintStream(out, true), new PrintStream(out, true));
      log(job, rc, out.toString(StandardCharsets.UTF_8));
      String message = Files.readString(terminationLog);
      // the Job controller reports only that the pod failed; the agent's output says why
      JobResult result = rc == 0 ? JobResult.success() : JobResult.failure("Error", "agent exited " + rc);
      return message.isEmpty() ? result : result.withTerminationMessage(message);
    } finally {
      Files.deleteIfExists(terminationLog);
    }
  }

  static Container container(Job job) {
    return job.getSpec().getTemplate().getSpec().getContainers().get(0);
  }

  /** The container's env as the kubelet resolves it (pure but for the secret lookup). */
  static Map<String, String> env(Job job, Function<SecretKeySelector, String> secrets) {
    Map<String, String> env = new HashMap<>();
    for (EnvVar e : container(job).getEnv()) {
      if (e.getValueFrom() == null) {
        env.put(e.getName(), e.getValue() == null ? "" : e.getValue());
      } else if (e.getValueFrom().getFieldRef() != null) {
        String field = e.getValueFrom().getFieldRef().getFieldPath();
        if (!JOB_NAME_FIELD.equals(field)) {
          throw new IllegalArgumentException("no fake kubelet value for fieldRef " + field);
        }
        // the real Job controller labels every pod job-name=<job>
        env.put(e.getName(), job.getMetadata().getName());
      } else {
        env.put(e.getName(), secrets.apply(e.getValueFrom().getSecretKeyRef()));
      }
    }
    return env;
  }

  /** What the kubelet does at container start: a missing Secret or key keeps the container from starting. */
  static String secretValue(KubernetesClient client, String ns, String name, String key) {
    Secret s = client.secrets().inNamespace(ns).withName(name).get();
    if (s == null || s.getData() == null || !s.getData().containsKey(key)) {
      throw new IllegalStateException("CreateContainerConfigError: secret " + ns + "/" + name + " key " + key + " not found");
    }
    return new String(Base64.getDecoder().decode(s.getData().get(key)), StandardCharsets.UTF_8);
  }

  private static void log(Job job, int rc, String output) throws IOException {
    Path dir = RealTier.WORK.resolve("agent");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve(job.getMetadata().getNamespace() + "_" + job.getMetadata().getName() + ".log"),
        output + "\n(exit " + rc + ")\n");
  }

  /** Secrets as a test creates them: string values, base64 in data. */
  static Map<String, String> data(Map<String, String> values) {
    Map<String, String> data = new HashMap<>();
    values.forEach((k, v) -> data.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
    return data;
  }
}
