package dev.turnout.backup.catalog;

import java.net.URI;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;

/**
 * Where backups live and the keys to get there. {@link #toString()} never shows the secret key.
 *
 * @param endpoint S3 endpoint URL; null or blank means AWS S3 for the region
 */
public record S3Settings(
    String endpoint,
    String region,
    String bucket,
    String prefix,
    boolean forcePathStyle,
    String accessKeyId,
    String secretAccessKey) {

  public S3Settings {
    region = region == null || region.isBlank() ? "us-east-1" : region;
    prefix = prefix == null ? "" : prefix;
  }

  /** The endpoint as shown in messages. */
  public String endpointForDisplay() {
    return endpoint == null || endpoint.isBlank() ? "AWS S3 (" + region + ")" : endpoint;
  }

  /**
   * A sync S3 client over the JDK URL-connection HTTP client. Checksums are only sent where S3 requires them, so
   * S3-compatible services that do not know the newer flexible-checksum headers work too.
   */
  public S3Client newClient() {
    return newClient(null);
  }

  /**
   * As {@link #newClient()}, with every API call (all its retries included) bounded by {@code callTimeout} and every
   * socket read by it too, so that a hung S3 ends in an error instead of holding the caller's thread; null: the SDK's
   * defaults (no overall limit: what the agent's long part uploads need).
   */
  public S3Client newClient(java.time.Duration callTimeout) {
    var http = UrlConnectionHttpClient.builder();
    if (callTimeout != null) {
      http.connectionTimeout(callTimeout).socketTimeout(callTimeout);
    }
    var b =
        S3Client.builder()
            .httpClient(http.build())
            .region(Region.of(region))
            .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(forcePathStyle).build())
            .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
            .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
            .credentialsProvider(
                StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(nz(accessKeyId), nz(secretAccessKey))));
    if (callTimeout != null) {
      b.overrideConfiguration(o -> o.apiCallTimeout(callTimeout).apiCallAttemptTimeout(callTimeout));
    }
    if (endpoint != null && !endpoint.isBlank()) {
      b.endpointOverride(URI.create(endpoint));
    }
    return b.build();
  }

  private static String nz(String s) {
    return s == null ? "" : s;
  }

  @Override
  public String toString() {
    return "S3Settings[endpoint=" + endpointForDisplay() + ", region=" + region + ", bucket=" + bucket + ", prefix="
        + prefix + ", forcePathStyle=" + forcePathStyle + ", accessKeyId=" + (accessKeyId == null ? "null" : "***")
        + ", secretAccessKey=***]";
  }
}
