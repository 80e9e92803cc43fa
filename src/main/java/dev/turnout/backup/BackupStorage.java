package dev.turnout.backup;

import dev.turnout.backup.catalog.BackupCatalog;
import dev.turnout.backup.catalog.S3Errors;
import dev.turnout.backup.catalog.S3Settings;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import dev.turnout.backup.catalog.BackupManifest;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The operator's own, read-mostly access to the backups in S3 (listing manifests, pruning). The access keys are read
 * from the credentials Secret at each use (so rotated keys are picked up) and live only in the short-lived client;
 * they never reach status, Events or logs. Failures become {@link StorageException} with a message safe to show. S3
 * work runs on a small executor of its own with every call bounded by {@code turnout.backup.s3-call-timeout}, never on
 * the reconcile threads the operator's other resources share.
 */
@ApplicationScoped
public class BackupStorage {
  /** Bounds every S3 API call of the operator (retries included) and every socket read. */
  @ConfigProperty(name = "turnout.backup.s3-call-timeout", defaultValue = "30s")
  Duration callTimeout;

  /** Threads of the storage executor: S3 work never runs on the shared reconcile threads. */
  @ConfigProperty(name = "turnout.backup.s3-threads", defaultValue = "8")
  int threads;

  /** Storage reads in flight per endpoint and bucket: a hung S3 cannot take every thread from the others. */
  static final int PER_BUCKET = 2;

  private final java.util.Map<String, AtomicInteger> busy = new java.util.concurrent.ConcurrentHashMap<>();

  @Inject KubernetesClient client;

  private ThreadPoolExecutor executor;

  /** Reason of a read not started because the storage is busy: not an error of the storage, try again soon. */
  public static final String BUSY = "StorageBusy";

  /** A message a person can act on; never contains a key. {@code reason} is StorageError or StorageTimeout. */
  public static class StorageException extends RuntimeException {
    private final String reason;

    public StorageException(String message) {
      this("StorageError", message);
    }

    public StorageException(String reason, String message) {
      super(message);
      this.reason = reason;
    }

    public String reason() {
      return reason;
    }
  }

  @PostConstruct
  void start() {
    AtomicInteger n = new AtomicInteger();
    // bounded: when S3 is slow, reads queue up to 256 and further ones fail at once (a condition says so) instead of
    // piling up threads; each read is bounded by the call timeout
    executor = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(256), r -> {
      Thread t = new Thread(r, "turnout-s3-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    executor.allowCoreThreadTimeOut(true);
  }

  @PreDestroy
  void stop() {
    executor.shutdownNow();
  }

  public Duration callTimeout() {
    return callTimeout;
  }

  /** Runs {@code work} with a catalog of the storage; the credentials Secret is read in {@code namespace}. */
  public <T> T withCatalog(String namespace, StorageSpec storage, Function<BackupCatalog, T> work) {
    return withCatalog(namespace, storage, null, work);
  }

  /**
   * Runs {@code work} on the storage executor with a catalog scoped to {@code owner} (null: every owner's backups) and
   * waits for it, at most the call timeout and a little: the caller's thread is never held by a hung S3.
   */
  public <T> T withCatalog(String namespace, StorageSpec storage, BackupManifest.Owner owner, Function<BackupCatalog, T> work) {
    CompletableFuture<T> f = submit(namespace, storage, owner, work);
    try {
      return f.get(callTimeout.toMillis() + 2000, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      f.cancel(true);
      throw timeout(storage);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StorageException("interrupted while reading s3://" + storage.s3.bucket);
    } catch (ExecutionException e) {
      throw unwrap(e);
    }
  }

  /**
   * Starts {@code work} on the storage executor and returns at once. The Secret is read on the caller's thread (the
   * informer-backed client, not S3). The future fails with {@link StorageException} for S3 errors and timeouts.
   */
  public <T> CompletableFuture<T> submit(String namespace, StorageSpec storage, BackupManifest.Owner owner, Function<BackupCatalog, T> work) {
    S3Settings settings;
    try {
      settings = settings(namespace, storage);
    } catch (StorageException e) {
      return CompletableFuture.failedFuture(e);
    }
    String bucketKey = settings.endpointForDisplay() + " " + settings.bucket();
    AtomicInteger inFlight = busy.computeIfAbsent(bucketKey, k -> new AtomicInteger());
    if (inFlight.incrementAndGet() > PER_BUCKET) {
      inFlight.decrementAndGet();
      return CompletableFuture.failedFuture(new StorageException(BUSY, "S3 at " + settings.endpointForDisplay() + " is still answering "
          + PER_BUCKET + " earlier reads of bucket \"" + settings.bucket() + "\" (slow?); reading again later"));
    }
    try {
      return CompletableFuture.supplyAsync(() -> {
        try (S3Client s3 = settings.newClient(callTimeout)) {
          return work.apply(new BackupCatalog(s3, settings.bucket(), settings.prefix(), owner));
        } catch (SdkException e) {
          if (S3Errors.timedOut(e)) {
            throw timeout(storage);
          }
          throw new StorageException(S3Errors.describe(e, settings));
        } finally {
          inFlight.decrementAndGet();
        }
      }, executor);
    } catch (RejectedExecutionException e) {
      inFlight.decrementAndGet();
      return CompletableFuture.failedFuture(new StorageException(BUSY,
          "too many storage reads waiting (S3 slow?); reading s3://" + storage.s3.bucket + " again later"));
    }
  }

  /** The cause of a failed storage future, as thrown by the work (StorageException, IllegalArgumentException, ...). */
  public static RuntimeException unwrap(Throwable e) {
    Throwable c = e;
    while ((c instanceof ExecutionException || c instanceof java.util.concurrent.CompletionException) && c.getCause() != null) {
      c = c.getCause();
    }
    return c instanceof RuntimeException r ? r : new StorageException(String.valueOf(c.getMessage()));
  }

  private StorageException timeout(StorageSpec storage) {
    String endpoint = storage.s3.endpoint == null || storage.s3.endpoint.isBlank()
        ? "AWS S3 (" + (storage.s3.region == null ? "us-east-1" : storage.s3.region) + ")" : storage.s3.endpoint;
    return new StorageException("StorageTimeout", "S3 at " + endpoint + " did not answer within " + callTimeout.toSeconds()
        + " s (turnout.backup.s3-call-timeout) reading s3://" + storage.s3.bucket + "/" + (storage.s3.prefix == null ? "" : storage.s3.prefix)
        + "; retrying later");
  }

  S3Settings settings(String namespace, StorageSpec storage) {
    StorageSpec.S3Spec s3 = storage.s3;
    StorageSpec.CredentialsRef cred = s3.credentialsSecretRef;
    Secret secret = client.secrets().inNamespace(namespace).withName(cred.name).get();
    if (secret == null) {
      throw new StorageException("credentials Secret " + namespace + "/" + cred.name + " does not exist");
    }
    String accessKey = value(secret, cred.accessKeyIdKeyOrDefault());
    String secretKey = value(secret, cred.secretAccessKeyKeyOrDefault());
    if (accessKey == null || secretKey == null) {
      throw new StorageException("credentials Secret " + namespace + "/" + cred.name + " lacks the access key id or secret key");
    }
    return new S3Settings(
        s3.endpoint, s3.region, s3.bucket, s3.prefix, Boolean.TRUE.equals(s3.forcePathStyle), accessKey.trim(), secretKey.trim());
  }

  private static String value(Secret secret, String key) {
    if (secret.getData() != null && secret.getData().get(key) != null) {
      return new String(Base64.getDecoder().decode(secret.getData().get(key)), StandardCharsets.UTF_8);
    }
    return secret.getStringData() == null ? null : secret.getStringData().get(key);
  }
}
