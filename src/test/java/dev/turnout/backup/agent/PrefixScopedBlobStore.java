package dev.turnout.backup.agent;

import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.blobstore.ForwardingBlobStore;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.s3.model.HeadBucketRequest;
import software.amazon.awssdk.services.s3.model.HeadBucketResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * What S3 does for keys whose IAM policy grants s3:ListBucket only with an {@code s3:prefix} condition (and object
 * actions on {@code bucket/prefix*}): HeadBucket, which is authorised as s3:ListBucket without a prefix, is denied (403
 * AccessDenied), and so is a listing outside the prefix; a listing of the prefix is allowed.
 */
public class PrefixScopedBlobStore extends ForwardingBlobStore {
  private final String allowedPrefix;

  public PrefixScopedBlobStore(BlobStore delegate, String allowedPrefix) {
    super(delegate);
    this.allowedPrefix = allowedPrefix;
  }

  @Override
  public HeadBucketResponse headBucket(HeadBucketRequest request) {
    throw denied();
  }

  @Override
  public ListObjectsV2Response list(ListObjectsV2Request request) {
    if (request.prefix() == null || !request.prefix().startsWith(allowedPrefix)) {
      throw denied();
    }
    return super.list(request);
  }

  private static S3Exception denied() {
    return (S3Exception) S3Exception.builder()
        .statusCode(403)
        .awsErrorDetails(AwsErrorDetails.builder().errorCode("AccessDenied").errorMessage("Access Denied").build())
        .message("Access Denied")
        .build();
  }
}
