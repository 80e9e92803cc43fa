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

    /** The credentials the Jobs get: jobCredentialsSecretRef when set, else credentialsSecretRef. */
    public CredentialsRef jobCredentials() {
      return jobCredentialsSecretRef != null ? jobCredentialsSecretRef : credentialsSecretRef;
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
