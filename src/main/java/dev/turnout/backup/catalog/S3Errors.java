package dev.turnout.backup.catalog;

import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** Turns S3 errors into messages a person can act on (never containing keys). */
public final class S3Errors {
  private S3Errors() {}

  /** An API call or attempt timed out, or a socket read did (a slow or hung S3). */
  public static boolean timedOut(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof software.amazon.awssdk.core.exception.ApiCallTimeoutException
          || t instanceof software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException
          || t instanceof java.net.SocketTimeoutException) {
        return true;
      }
    }
    return false;
  }

  public static String describe(SdkException e, S3Settings s3) {
    if (e instanceof NoSuchBucketException) {
      return "bucket \"" + s3.bucket() + "\" does not exist at " + s3.endpointForDisplay();
    }
    if (e instanceof S3Exception se) {
      String code = se.awsErrorDetails() == null ? null : se.awsErrorDetails().errorCode();
      int status = se.statusCode();
      if ("NoSuchBucket".equals(code)) {
        return "bucket \"" + s3.bucket() + "\" does not exist at " + s3.endpointForDisplay();
      }
      if ("InvalidAccessKeyId".equals(code)
          || "SignatureDoesNotMatch".equals(code)
          || "AccessDenied".equals(code)
          || status == 403
          || status == 401) {
        return "access denied: check the keys in the credentials Secret (S3 said " + (code == null ? status : code)
            + " for bucket \"" + s3.bucket() + "\" at " + s3.endpointForDisplay() + ")";
      }
      if ("NoSuchKey".equals(code) || status == 404) {
        return "object not found in bucket \"" + s3.bucket() + "\" at " + s3.endpointForDisplay();
      }
      return "S3 error " + status + " " + (code == null ? "" : code) + " at " + s3.endpointForDisplay() + ": "
          + (se.awsErrorDetails() == null ? se.getMessage() : se.awsErrorDetails().errorMessage());
    }
    if (timedOut(e)) {
      return "S3 at " + s3.endpointForDisplay() + " did not answer in time (bucket \"" + s3.bucket() + "\"): " + e.getMessage();
    }
    if (e instanceof SdkClientException) {
      return "cannot reach S3 at " + s3.endpointForDisplay() + ": " + e.getMessage();
    }
    return "S3 error at " + s3.endpointForDisplay() + ": " + e.getMessage();
  }
}
