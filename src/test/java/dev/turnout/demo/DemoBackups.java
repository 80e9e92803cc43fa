package dev.turnout.demo;

import dev.turnout.backup.agent.AgentMain;
import dev.turnout.backup.agent.S3TestServer;
import dev.turnout.sim.JobResult;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The backup data path of the demo: an in-process S3 API (S3Proxy, in memory) and a Job runner that runs
 * the real backup agent (AgentMain) for the operator's backup and restore Jobs, with the Job's own
 * environment (Secrets resolved from the embedded API), the simulated mongodump/mongorestore/mongod of
 * dev.turnout.mongo standing in for the MongoDB tools of the agent image, and two real wire-protocol servers
 * (mongo-java-server) standing in for production's and staging's MongoDB: the sample's URIs name cluster DNS
 * names that do not resolve here, so the Jobs get the servers' loopback addresses with the same database paths.
 */
final class DemoBackups implements AutoCloseable {
  static final String BUCKET = "auto-author-backups";

  private final KubernetesClient client;
  private final S3TestServer s3;
  private final dev.turnout.mongo.MongoToolScripts.Tools tools;
  private final dev.turnout.mongo.MongoServerFixture prod;
  private final dev.turnout.mongo.MongoServerFixture staging;

  DemoBackups(KubernetesClient client, Path workDir) throws Exception {
    this.client = client;
    this.s3 = new S3TestServer();
    try (S3Client c = s3.settings(BUCKET, "").newClient()) {
      c.createBucket(b -> b.bucket(BUCKET));
    }
    Files.createDirectories(workDir);
    this.tools = dev.turnout.mongo.MongoToolScripts.install(workDir.resolve("tools"));
    this.prod = new dev.turnout.mongo.MongoServerFixture();
    prod.seed("auto_author", "users", 5);
    prod.seed("auto_author", "books", 20);
    this.staging = new dev.turnout.mongo.MongoServerFixture();
    staging.seed("auto_author_staging", "users", 2); // last week's refresh, replaced by the restore
  }

  String endpoint() {
    return s3.endpoint();
  }

  String accessKey() {
    return S3TestServer.ACCESS_KEY;
  }

  String secretKey() {
    return S3TestServer.SECRET_KEY;
  }

  /** Keys in the bucket, sorted. */
  List<String> objects() {
    try (S3Client c = s3.settings(BUCKET, "").newClient()) {
      return c.listObjectsV2(b -> b.bucket(BUCKET)).contents().stream().map(S3Object::key).sorted().toList();
    }
  }

  /** Whether a Job is one of the operator's backup or restore Jobs. */
  static boolean isAgentJob(Job job) {
    Map<String, String> labels = job.getMetadata().getLabels();
    return labels != null && (labels.containsKey("turnout.dev/backup") || labels.containsKey("turnout.dev/restore"));
  }

  /** Runs the agent as the Job's container would: its subcommand is the last word of the command. */
  JobResult run(Job job) throws Exception {
    String ns = job.getMetadata().getNamespace();
    Container c = job.getSpec().getTemplate().getSpec().getContainers().get(0);
    List<String> words = new java.util.ArrayList<>();
    if (c.getCommand() != null) {
      words.addAll(c.getCommand());
    }
    if (c.getArgs() != null) {
      words.addAll(c.getArgs());
    }
    String command = words.isEmpty() ? "" : words.get(words.size() - 1);
    Map<String, String> env = new HashMap<>();
    for (EnvVar e : c.getEnv() == null ? List.<EnvVar>of() : c.getEnv()) {
      if (e.getValue() != null) {
        env.put(e.getName(), e.getValue());
      } else if (e.getValueFrom() != null && e.getValueFrom().getFieldRef() != null) {
        // the only field the Jobs use: the pod's job-name label, i.e. the Job's name
        env.put(e.getName(), job.getMetadata().getName());
      } else if (e.getValueFrom() != null && e.getValueFrom().getSecretKeyRef() != null) {
        var ref = e.getValueFrom().getSecretKeyRef();
        String value = secretValue(ns, ref.getName(), ref.getKey());
        if (value == null) {
          return JobResult.failure("CreateContainerConfigError", "secret " + ref.getName() + " has no key " + ref.getKey());
        }
        env.put(e.getName(), value);
      }
    }
    env.put("MONGODB_URI", job.getMetadata().getLabels().containsKey("turnout.dev/restore")
        ? staging.uri("auto_author_staging") : prod.uri("auto_author"));
    env.put("MONGODUMP", tools.mongodump().toString());
    env.put("MONGORESTORE", tools.mongorestore().toString());
    env.put("MONGOD", tools.mongod().toString());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int rc = AgentMain.run(new String[] {command}, env, Clock.systemUTC(),
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
    String last = lines.isEmpty() ? "" : lines.get(lines.size() - 1);
    JobResult result = rc == 0 ? JobResult.success() : JobResult.failure("BackoffLimitExceeded", "agent exit " + rc + ": " + last);
    // the kubelet copies the container's termination message into the pod's status; the agent's result line is it
    return last.startsWith("{") ? result.withTerminationMessage(last) : result;
  }

  private String secretValue(String ns, String name, String key) {
    Secret s = client.secrets().inNamespace(ns).withName(name).get();
    if (s == null) {
      return null;
    }
    if (s.getStringData() != null && s.getStringData().containsKey(key)) {
      return s.getStringData().get(key);
    }
    if (s.getData() != null && s.getData().containsKey(key)) {
      return new String(Base64.getDecoder().decode(s.getData().get(key)), StandardCharsets.UTF_8);
    }
    return null;
  }

  /** Documents per collection in the staging database, asked of its server. */
  java.util.Map<String, Long> stagingCounts() {
    return staging.counts();
  }

  @Override
  public void close() throws Exception {
    s3.close();
    prod.close();
    staging.close();
  }
}
