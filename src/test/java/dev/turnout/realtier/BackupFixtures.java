package dev.turnout.realtier;

import static org.assertj.core.api.Assertions.assertThat;

import dev.turnout.backup.DatabaseBackup;
import dev.turnout.backup.agent.S3TestServer;
import dev.turnout.common.SecretKeyRef;
import dev.turnout.restore.DatabaseRestore;
import dev.turnout.restore.DatabaseRestoreSpec;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/** What BackupRealIT creates and reads: the docs' samples pointed at S3Proxy, and the markers it waits for. */
final class BackupFixtures {
  private BackupFixtures() {}

  /** The Secrets of k8s/examples/01-secrets.example.yaml, with S3Proxy's keys. */
  static void secrets(KubernetesClient client, String ns, String mongoUri) {
    secrets(client, ns, mongoUri, "mongodb://restore:Staging-Pa55@staging.example:27017/");
  }

  static void secrets(KubernetesClient client, String ns, String mongoUri, String stagingUri) {
    secret(client, ns, "mongodb", Map.of("MONGODB_URI", mongoUri));
    secret(client, ns, "mongodb-staging", Map.of("MONGODB_URI", stagingUri));
    secret(client, ns, "backup-s3",
        Map.of("AWS_ACCESS_KEY_ID", S3TestServer.ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", S3TestServer.SECRET_KEY));
  }

  static void secret(KubernetesClient client, String ns, String name, Map<String, String> values) {
    client.resource(new SecretBuilder().withNewMetadata().withName(name).withNamespace(ns).endMetadata()
        .withData(AgentPods.data(values)).build()).create();
  }

  /** k8s/examples/30-backup.yaml, named so, with its storage in a bucket of S3Proxy. */
  static DatabaseBackup sample(KubernetesClient client, String ns, String name, String endpoint, String bucket, String schedule)
      throws IOException {
    DatabaseBackup b;
    try (var in = Files.newInputStream(Path.of("k8s/examples/30-backup.yaml"))) {
      b = client.resources(DatabaseBackup.class).load(in).item();
    }
    b.getMetadata().setName(name);
    b.getMetadata().setNamespace(ns);
    b.getSpec().schedule = schedule;
    b.getSpec().storage.s3.endpoint = endpoint;
    b.getSpec().storage.s3.bucket = bucket;
    b.getSpec().storage.s3.forcePathStyle = true;
    return b;
  }

  /** k8s/examples/40-restore-staging.yaml: "latest" of a DatabaseBackup in another namespace, into staging. */
  static DatabaseRestore stagingRestore(String ns, String name, String backupNs, String backupName) {
    DatabaseRestore r = new DatabaseRestore();
    r.getMetadata().setName(name);
    r.getMetadata().setNamespace(ns);
    DatabaseRestoreSpec spec = new DatabaseRestoreSpec();
    spec.backupRef = new DatabaseRestoreSpec.BackupRef();
    spec.backupRef.name = backupName;
    spec.backupRef.namespace = backupNs;
    spec.object = "latest";
    spec.target = new DatabaseRestoreSpec.Target();
    spec.target.uriSecretRef = new SecretKeyRef("mongodb-staging", "MONGODB_URI");
    spec.drop = true;
    spec.nsFrom = "auto_author.*";
    spec.nsTo = "auto_author_staging.*";
    r.setSpec(spec);
    return r;
  }

  /** The condition, current: computed from the object's present generation. */
  static Condition current(List<Condition> conditions, String type, long generation) {
    Condition c = conditions.stream().filter(x -> type.equals(x.getType())).findFirst()
        .orElseThrow(() -> new AssertionError("no condition " + type + " in " + conditions));
    assertThat(c.getObservedGeneration()).as(type + ".observedGeneration").isEqualTo(generation);
    return c;
  }

  static List<Event> events(KubernetesClient client, String ns, String involved) {
    return client.v1().events().inNamespace(ns).list().getItems().stream()
        .filter(e -> involved.equals(e.getInvolvedObject().getName())).toList();
  }

  static List<String> keys(S3TestServer s3server, String bucket) {
    try (S3Client s3 = s3server.settings(bucket, "prod/").newClient()) {
      return s3.listObjectsV2(b -> b.bucket(bucket)).contents().stream().map(S3Object::key).sorted().toList();
    }
  }

  /** As the real Job controller says it: condition Complete=True. */
  static boolean complete(Job j) {
    return j != null && j.getStatus() != null && j.getStatus().getConditions().stream()
        .anyMatch(c -> "Complete".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  /** The API server's message when it refuses the create as invalid (422). */
  static String refusal(Runnable create) {
    try {
      create.run();
    } catch (KubernetesClientException e) {
      assertThat(e.getCode()).isEqualTo(422);
      return e.getMessage();
    }
    throw new AssertionError("the API server accepted it");
  }
}
