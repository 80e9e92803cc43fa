package dev.turnout.backup;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** Object storage settings, shared by DatabaseBackup and DatabaseRestore. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class StorageSpec {
  @Required
  @JsonPropertyDescription("S3-compatible object storage.")
  public S3Spec s3;

  @JsonPropertyDescription(
      "Client-side encryption of the backup archives (streaming AES-256-GCM, Tink AES256_GCM_HKDF_1MB) with a key from"
          + " a Secret, before anything leaves the pod. Each manifest records the key id its archive was encrypted with;"
          + " restores and verification use that key from the same Secret. Default: archives are stored as mongodump"
          + " wrote them (gzip).")
  public ClientSideEncryption clientSideEncryption;

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class ClientSideEncryption {
    @Required
    @JsonPropertyDescription(
        "Secret holding the keys, mounted into the backup, verify and restore Jobs: one entry per key, the entry's key"
            + " is the key id and its value the base64 of 32 random bytes (openssl rand -base64 32). To rotate, add an"
            + " entry and switch keyId; keep old entries as long as backups encrypted with them are kept.")
    public SecretRef keySecretRef;

    @Required
    @Pattern("^[-._a-zA-Z0-9]{1,253}$")
    @JsonPropertyDescription(
        "Id (entry of keySecretRef) of the key new backups are encrypted with. Restores and verification use the key"
            + " id recorded in each backup's manifest.")
    public String keyId;

    /** The problem with the key Secret (missing, or no entry keyId), naming the spec field; empty when fine. */
    public java.util.Optional<String> problem(io.fabric8.kubernetes.client.KubernetesClient client, String namespace, String field) {
      return dev.turnout.common.SecretChecks.missing(client, namespace, field, keySecretRef.name, java.util.List.of(keyId));
    }
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class SecretRef {
    @Required
    @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
    @JsonPropertyDescription("Name of the Secret, in the namespace of the resource.")
    public String name;
  }

  /** The key Secret's problem for a resource in {@code namespace}; empty without clientSideEncryption. */
  public java.util.Optional<String> encryptionProblem(io.fabric8.kubernetes.client.KubernetesClient client, String namespace, String field) {
    return clientSideEncryption == null || clientSideEncryption.keySecretRef == null ? java.util.Optional.empty()
        : clientSideEncryption.problem(client, namespace, field);
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class S3Spec {
    @Pattern("^https?://.+")
    @JsonPropertyDescription("Endpoint URL of any S3-compatible service. Default: AWS S3 for region.")
    public String endpoint;

    @Default("us-east-1")
    @JsonPropertyDescription("Region of the bucket.")
    public String region;

    @Required
    @Pattern("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
    @JsonPropertyDescription("Bucket name.")
    public String bucket;

    // no @Default(""): the CRD generator turns an empty default into "default: null", which the API server
    // rejects for a non-nullable field; an absent prefix means the bucket's root
    @Pattern("^([^/].*/)?$")
    @Size(max = 512)
    @JsonPropertyDescription(
        "Key prefix of every object Turnout writes, ending in / (e.g. prod/). Turnout touches nothing outside it."
            + " Default: none (the bucket's root).")
    public String prefix;

    @Default("false")
    @JsonPropertyDescription("Use path-style addressing (most self-hosted S3 services need it).")
    public Boolean forcePathStyle;

    @Required
    @JsonPropertyDescription("Secret with the access key pair; read at pod start so rotated keys are picked up.")
    public CredentialsRef credentialsSecretRef;

    @JsonPropertyDescription(
        "Secret with the access key pair the backup and restore Jobs use, same shape as credentialsSecretRef. Give it"
            + " s3:PutObject, s3:GetObject, s3:AbortMultipartUpload and s3:ListBucket on the prefix, and no delete: a"
            + " compromised or misconfigured Job can then write backups but not destroy them. The operator keeps using"
            + " credentialsSecretRef to list and prune (retention). Default: the Jobs use credentialsSecretRef.")
    public CredentialsRef jobCredentialsSecretRef;

    @JsonPropertyDescription(
        "Server-side encryption S3 applies to every object Turnout writes (the x-amz-server-side-encryption header on"
            + " uploads and manifests). Default: none asked for (the bucket's default encryption applies).")
    public ServerSideEncryptionSpec serverSideEncryption;

    /** The credentials the Jobs get: jobCredentialsSecretRef when set, else credentialsSecretRef. */
    public CredentialsRef jobCredentials() {
      return jobCredentialsSecretRef != null ? jobCredentialsSecretRef : credentialsSecretRef;
    }
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @io.fabric8.generator.annotation.ValidationRule(
      value = "!has(self.kmsKeyId) || self.type == 'aws:kms'",
      message = "kmsKeyId is only allowed with type aws:kms")
  public static class ServerSideEncryptionSpec {
    @Required
    @com.fasterxml.jackson.annotation.JsonProperty("type")
    @JsonPropertyDescription("AES256 (SSE-S3, keys managed by S3) or aws:kms (SSE-KMS).")
    public SseType type;

    @Size(min = 1, max = 2048)
    @JsonPropertyDescription(
        "aws:kms only: the KMS key (id, ARN or alias/...). Default: the account's AWS managed key aws/s3. The"
            + " credentials of the Jobs need kms:GenerateDataKey (backups) and kms:Decrypt (restores) on it.")
    public String kmsKeyId;
  }

  public enum SseType {
    AES256,
    @com.fasterxml.jackson.annotation.JsonProperty("aws:kms")
    AWS_KMS;

    /** The header's value. */
    public String headerValue() {
      return this == AES256 ? "AES256" : "aws:kms";
    }
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class CredentialsRef {
    @Required
    @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
    @JsonPropertyDescription("Name of the Secret.")
    public String name;

    @Default("AWS_ACCESS_KEY_ID")
    @JsonPropertyDescription("Key of the access key id in the Secret.")
    public String accessKeyIdKey;

    @Default("AWS_SECRET_ACCESS_KEY")
    @JsonPropertyDescription("Key of the secret access key in the Secret.")
    public String secretAccessKeyKey;

    /** The key of the access key id, with the CRD's default when unset. */
    public String accessKeyIdKeyOrDefault() {
      return accessKeyIdKey == null ? "AWS_ACCESS_KEY_ID" : accessKeyIdKey;
    }

    /** The key of the secret access key, with the CRD's default when unset. */
    public String secretAccessKeyKeyOrDefault() {
      return secretAccessKeyKey == null ? "AWS_SECRET_ACCESS_KEY" : secretAccessKeyKey;
    }

    /** The problem with this Secret (missing, or a key missing), naming the spec field; empty when fine. */
    public java.util.Optional<String> problem(io.fabric8.kubernetes.client.KubernetesClient client, String namespace, String field) {
      return dev.turnout.common.SecretChecks.missing(
          client, namespace, field, name, java.util.List.of(accessKeyIdKeyOrDefault(), secretAccessKeyKeyOrDefault()));
    }
  }
}
