package dev.turnout.backup.catalog;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

/**
 * S3 server-side encryption asked for on every object Turnout writes (spec.storage.s3.serverSideEncryption): the
 * {@code x-amz-server-side-encryption} header ({@code AES256} = SSE-S3, {@code aws:kms} = SSE-KMS) and, for SSE-KMS,
 * {@code x-amz-server-side-encryption-aws-kms-key-id}. S3 wants them on CreateMultipartUpload (not on UploadPart) and
 * on PutObject; reads need nothing, S3 decrypts SSE-S3/SSE-KMS objects for any caller allowed to read them (and, for
 * KMS, to use the key). See https://docs.aws.amazon.com/AmazonS3/latest/userguide/specifying-kms-encryption.html.
 * Also the manifest's {@code encryption.serverSide}: what the agent asked for.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class ServerSideEncryption {
  public static final String AES256 = "AES256";
  public static final String KMS = "aws:kms";

  /** AES256 or aws:kms. */
  public String type;
  /** KMS key id, ARN or alias; only with aws:kms (absent: the account's AWS managed key aws/s3). */
  public String kmsKeyId;

  public ServerSideEncryption() {}

  public ServerSideEncryption(String type, String kmsKeyId) {
    this.type = type;
    this.kmsKeyId = kmsKeyId;
  }

  /** From the agent's S3_SSE and S3_SSE_KMS_KEY_ID; null when S3_SSE is unset. */
  public static ServerSideEncryption fromEnv(String type, String kmsKeyId) {
    if (type == null || type.isBlank()) {
      if (kmsKeyId != null && !kmsKeyId.isBlank()) {
        throw new IllegalArgumentException("S3_SSE_KMS_KEY_ID is set but S3_SSE is not aws:kms");
      }
      return null;
    }
    String t = type.trim();
    if (!t.equals(AES256) && !t.equals(KMS)) {
      throw new IllegalArgumentException("S3_SSE must be AES256 or aws:kms, not \"" + t + "\"");
    }
    String k = kmsKeyId == null || kmsKeyId.isBlank() ? null : kmsKeyId.trim();
    if (k != null && !t.equals(KMS)) {
      throw new IllegalArgumentException("S3_SSE_KMS_KEY_ID is set but S3_SSE is " + t + ", not aws:kms");
    }
    return new ServerSideEncryption(t, k);
  }

  public void applyTo(CreateMultipartUploadRequest.Builder b) {
    b.serverSideEncryption(type);
    if (kmsKeyId != null) {
      b.ssekmsKeyId(kmsKeyId);
    }
  }

  public void applyTo(PutObjectRequest.Builder b) {
    b.serverSideEncryption(type);
    if (kmsKeyId != null) {
      b.ssekmsKeyId(kmsKeyId);
    }
  }

  @Override
  public String toString() {
    return kmsKeyId == null ? type : type + " (" + kmsKeyId + ")";
  }
}
