package dev.turnout.bench;

import dev.turnout.apprelease.AppRelease;
import dev.turnout.backup.DatabaseBackup;
import dev.turnout.backup.agent.S3TestServer;
import dev.turnout.common.LocalObjectRef;
import dev.turnout.healthpolicy.HealthPolicy;
import dev.turnout.testing.HealthPolicies;
import dev.turnout.testing.Releases;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/** What the scale benchmarks create, and when each kind counts as converged. */
final class ScaleFixtures {
  static final String ORIGIN = "https://dev.autoauthor.app";

  private ScaleFixtures() {}

  static void namespace(KubernetesClient client, String ns) {
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
  }

  /** The sample backend, 1 pod per color, no HealthPolicy. */
  static AppRelease release(String ns, String version, int replicas) {
    AppRelease ar = Releases.backend(ns, version, replicas);
    // 1,000 rollouts at once queue behind the (simulated or real) controllers: the benchmark measures how long they
    // take, so a release must not fail for being slow (the sample's 300 s deadline did on the embedded cluster)
    ar.getSpec().strategy.progressDeadlineSeconds = 3600;
    return ar;
  }

  /** A release gated and watched by its HealthPolicy (pre- and post-promotion probes). */
  static AppRelease probedRelease(String ns, String version, int replicas) {
    AppRelease ar = release(ns, version, replicas);
    ar.getSpec().healthPolicyRef = new LocalObjectRef(HealthPolicies.NAME);
    return ar;
  }

  /** The sample HealthPolicy: checks every second; a post-promotion window long enough to outlast the benchmark. */
  static HealthPolicy policy(String ns) {
    return HealthPolicies.backendHealth(ns, ORIGIN, s -> s.postPromotion.windowSeconds = 3600);
  }

  /** k8s/examples/30-backup.yaml pointed at S3Proxy, a prefix of its own (no shared storage), and its Secrets. */
  static DatabaseBackup backup(KubernetesClient client, String ns, String endpoint, String bucket) {
    secret(client, ns, "mongodb", Map.of("MONGODB_URI", "mongodb://backup:Pa55@mongo.example:27017/?authSource=admin"));
    secret(client, ns, "backup-s3",
        Map.of("AWS_ACCESS_KEY_ID", S3TestServer.ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", S3TestServer.SECRET_KEY));
    DatabaseBackup b;
    try (InputStream in = Files.newInputStream(Path.of("k8s/examples/30-backup.yaml"))) {
      b = client.resources(DatabaseBackup.class).load(in).item();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    b.getMetadata().setNamespace(ns);
    b.getSpec().storage.s3.endpoint = endpoint;
    b.getSpec().storage.s3.bucket = bucket;
    b.getSpec().storage.s3.prefix = ns + "/";
    b.getSpec().storage.s3.forcePathStyle = true;
    return b;
  }

  static void secret(KubernetesClient client, String ns, String name, Map<String, String> values) {
    Map<String, String> data = new java.util.HashMap<>();
    values.forEach((k, v) -> data.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
    client.resource(new SecretBuilder().withNewMetadata().withName(name).withNamespace(ns).endMetadata()
        .withData(data).build()).create();
  }

  /** Runs the writes on a few threads, as several kubectl processes would: the creation is not the figure. */
  static void parallel(int threads, List<Runnable> writes) {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      writes.forEach(w -> done.add(pool.submit(() -> retry(w))));
      for (Future<?> f : done) {
        f.get();
      }
    } catch (Exception e) {
      throw new IllegalStateException(e);
    } finally {
      pool.shutdown();
    }
  }

  /** A write retried on conflict or a refused connection, up to 5 times. */
  static void retry(Runnable write) {
    for (int attempt = 1; ; attempt++) {
      try {
        write.run();
        return;
      } catch (KubernetesClientException e) {
        if (attempt == 5) {
          throw e;
        }
        sleep(200L * attempt);
      }
    }
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Read, change and write back (retried on conflict). */
  static <T extends HasMetadata> void update(KubernetesClient client, Class<T> type, String ns, String name, Consumer<T> change) {
    retry(() -> {
      T obj = client.resources(type).inNamespace(ns).withName(name).get();
      change.accept(obj);
      client.resource(obj).update();
    });
  }

  // ---- converged, per kind

  /** Healthy, from the present generation. */
  static boolean converged(AppRelease ar) {
    return ar.getStatus() != null && "Healthy".equals(ar.getStatus().phase)
        && ar.getMetadata().getGeneration().equals(ar.getStatus().observedGeneration);
  }

  /** Switched to revision 2, and the switch converged (only new pods behind the active Service). */
  static boolean switched(AppRelease ar) {
    return converged(ar) && Long.valueOf(2).equals(ar.getStatus().activeRevision) && ar.getStatus().switchConvergedAt != null;
  }

  /** status.observedGeneration current and Ready=True. */
  static boolean converged(HealthPolicy p) {
    return p.getStatus() != null && p.getMetadata().getGeneration().equals(p.getStatus().observedGeneration)
        && isTrue(p.getStatus().conditions, "Ready", p.getMetadata().getGeneration());
  }

  /** Ready=True (its CronJob applied) and StorageReachable=True (its S3 prefix listed), both from the present generation. */
  static boolean converged(DatabaseBackup b) {
    long g = b.getMetadata().getGeneration();
    return b.getStatus() != null && isTrue(b.getStatus().conditions, "Ready", g)
        && isTrue(b.getStatus().conditions, "StorageReachable", g);
  }

  static boolean isTrue(List<Condition> conditions, String type, long generation) {
    return conditions != null && conditions.stream().anyMatch(c -> type.equals(c.getType()) && "True".equals(c.getStatus())
        && (c.getObservedGeneration() == null || c.getObservedGeneration() == generation));
  }
}
