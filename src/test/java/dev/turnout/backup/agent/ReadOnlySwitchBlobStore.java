package dev.turnout.backup.agent;

import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.blobstore.ForwardingBlobStore;
import org.gaul.s3proxy.blobstore.domain.MultipartUpload;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadResponse;
import software.amazon.awssdk.services.s3.model.CopyObjectRequest;
import software.amazon.awssdk.services.s3.model.CopyObjectResponse;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.DeleteObjectRequest;
import software.amazon.awssdk.services.s3.model.DeleteObjectResponse;
import software.amazon.awssdk.services.s3.model.DeleteObjectsRequest;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

/**
 * What S3 does for keys whose IAM policy grants only s3:ListBucket and s3:GetObject: every write (PutObject, CopyObject,
 * the multipart calls, DeleteObject(s)) is denied with 403 AccessDenied. Switched on after a test wrote its backups, so
 * a drill that tried to write anything fails; the writes it saw are counted.
 */
public class ReadOnlySwitchBlobStore extends ForwardingBlobStore {
  volatile boolean readOnly;
  final java.util.concurrent.atomic.AtomicInteger deniedWrites = new java.util.concurrent.atomic.AtomicInteger();

  public ReadOnlySwitchBlobStore(BlobStore delegate) {
    super(delegate);
  }

  @Override
  public PutObjectResponse putBlob(PutObjectRequest request, java.io.InputStream in) {
    check();
    return super.putBlob(request, in);
  }

  @Override
  public CopyObjectResponse copyBlob(CopyObjectRequest request) {
    check();
    return super.copyBlob(request);
  }

  @Override
  public DeleteObjectResponse removeBlob(DeleteObjectRequest request) {
    check();
    return super.removeBlob(request);
  }

  @Override
  public DeleteObjectsResponse removeBlobs(DeleteObjectsRequest request) {
    check();
    return super.removeBlobs(request);
  }

  @Override
  public MultipartUpload initiateMultipartUpload(CreateMultipartUploadRequest request) {
    check();
    return super.initiateMultipartUpload(request);
  }

  @Override
  public UploadPartResponse uploadMultipartPart(MultipartUpload mpu, UploadPartRequest request, java.io.InputStream in) {
    check();
    return super.uploadMultipartPart(mpu, request, in);
  }

  @Override
  public CompleteMultipartUploadResponse completeMultipartUpload(MultipartUpload mpu, CompleteMultipartUploadRequest request) {
    check();
    return super.completeMultipartUpload(mpu, request);
  }

  @Override
  public void abortMultipartUpload(MultipartUpload mpu) {
    check();
    super.abortMultipartUpload(mpu);
  }

  private void check() {
    if (readOnly) {
      deniedWrites.incrementAndGet();
      throw (S3Exception) S3Exception.builder()
          .statusCode(403)
          .awsErrorDetails(AwsErrorDetails.builder().errorCode("AccessDenied").errorMessage("Access Denied").build())
          .message("Access Denied")
          .build();
    }
  }
}
