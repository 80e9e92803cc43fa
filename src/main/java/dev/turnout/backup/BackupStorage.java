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
import java.util.function.Function;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The operator's own, read-mostly access to the backups in S3 (listing manifests, pruning). The access keys are read
 * from the credentials Secret at each use (so rotated keys are picked up) and live only in the short-lived client;
 * they never reach status, Events or logs. Failures become {@link StorageException} with a message safe to show.
 */
@ApplicationScoped
public class BackupStorage {
  @Inject KubernetesClient client;

  /** A message a person can act on; never contains a key. */
  public static class StorageException extends RuntimeException {
    public StorageException(String message) {
      super(message);
    }
  }

  /** Runs {@code work} with a catalog of the storage; the credentials Secret is read in {@code namespace}. */
  public <T> T withCatalog(String namespace, StorageSpec storage, Function<BackupCatalog, T> work) {
    S3Settings settings = settings(namespace, storage);
    try (S3Client s3 = settings.newClient()) {
      return work.apply(new BackupCatalog(s3, settings.bucket(), settings.prefix()));
    } catch (SdkException e) {
      throw new StorageException(S3Errors.describe(e, settings));
    }
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
