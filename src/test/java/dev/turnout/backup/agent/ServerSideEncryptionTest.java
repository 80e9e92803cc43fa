package dev.turnout.backup.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.turnout.backup.catalog.BackupCatalog;
import dev.turnout.backup.catalog.BackupManifest;
import dev.turnout.backup.catalog.ServerSideEncryption;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * SSE-S3 / SSE-KMS: the headers as they leave the SDK (recorded by an ExecutionInterceptor after signing, i.e. what
 * S3 receives) on CreateMultipartUpload and on the manifest's PutObject, none on UploadPart nor on reads (S3 decrypts
 * SSE-S3/SSE-KMS objects itself), and S3Proxy storing and reporting them on HEAD.
 */
class ServerSideEncryptionTest {
  static final String SSE = "x-amz-server-side-encryption";
  static final String KMS_KEY = "x-amz-server-side-encryption-aws-kms-key-id";
  static final String KEY = "prod/2026-11-20T03-00-00Z.archive.gz";
  static S3TestServer s3server;

  record Seen(String operation, Map<String, List<String>> headers) {}

  /** Records every request's operation name and headers as sent. */
  static final class Recorder implements ExecutionInterceptor {
    final List<Seen> seen = new CopyOnWriteArrayList<>();

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
      seen.add(new Seen(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME), context.httpRequest().headers()));
    }

    /** The header on every attempt of the operation (the SDK retries a request S3 answered 5xx or dropped). */
    List<String> header(String operation, String name) {
      return seen.stream().filter(s -> s.operation().equals(operation))
          .map(s -> s.headers().getOrDefault(name, List.of()).stream().findFirst().orElse(null)).toList();
    }
  }

  @BeforeAll
  static void start() throws Exception {
    s3server = new S3TestServer();
  }

  @AfterAll
  static void stop() throws Exception {
    s3server.close();
  }

  S3Client client(String bucket, Recorder r) {
    // as S3Settings.newClient builds it, plus the recorder
    return S3Client.builder()
        .httpClient(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.builder().build())
        .region(software.amazon.awssdk.regions.Region.US_EAST_1)
        .endpointOverride(java.net.URI.create(s3server.endpoint()))
        .forcePathStyle(true)
        .requestChecksumCalculation(software.amazon.awssdk.core.checksums.RequestChecksumCalculation.WHEN_REQUIRED)
        .credentialsProvider(software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
            software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create(S3TestServer.ACCESS_KEY, S3TestServer.SECRET_KEY)))
        .overrideConfiguration(o -> o.addExecutionInterceptor(r))
        .build();
  }

  void writeBackup(S3Client s3, String bucket, ServerSideEncryption sse) {
    var settings = s3server.settings(bucket, "prod/");
    try (ArchiveUpload up = ArchiveUpload.start(s3, settings, KEY, 5 * 1024 * 1024, new PrintStream(new ByteArrayOutputStream()), sse)) {
      up.copyFrom(new ByteArrayInputStream(new byte[6 * 1024 * 1024])); // two parts
      up.complete();
    }
    BackupManifest m = new BackupManifest();
    m.object = KEY;
    new BackupCatalog(s3, bucket, "prod/").serverSideEncryption(sse).writeManifest(m);
  }

  @Test
  void sseKmsHeadersGoOnCreateMultipartUploadAndTheManifestPutOnly() {
    String bucket = s3server.newBucket();
    Recorder r = new Recorder();
    S3Client s3 = client(bucket, r);
    writeBackup(s3, bucket, new ServerSideEncryption("aws:kms", "alias/turnout-backups"));
    new BackupCatalog(s3, bucket, "prod/").readManifest(KEY).orElseThrow();
    s3.getObjectAsBytes(b -> b.bucket(bucket).key(KEY));

    assertThat(r.header("CreateMultipartUpload", SSE)).isNotEmpty().containsOnly("aws:kms");
    assertThat(r.header("CreateMultipartUpload", KMS_KEY)).isNotEmpty().containsOnly("alias/turnout-backups");
    assertThat(r.header("PutObject", SSE)).isNotEmpty().containsOnly("aws:kms");
    assertThat(r.header("PutObject", KMS_KEY)).isNotEmpty().containsOnly("alias/turnout-backups");
    assertThat(r.header("UploadPart", SSE)).isNotEmpty().containsOnlyNulls();
    assertThat(r.header("CompleteMultipartUpload", SSE)).containsOnlyNulls();
    assertThat(r.header("GetObject", SSE)).isNotEmpty().containsOnlyNulls();
  }

  @Test
  void sseS3SendsNoKmsKeyAndS3ProxyReportsItOnHead() {
    String bucket = s3server.newBucket();
    Recorder r = new Recorder();
    S3Client s3 = client(bucket, r);
    writeBackup(s3, bucket, new ServerSideEncryption("AES256", null));
    assertThat(r.header("CreateMultipartUpload", SSE)).isNotEmpty().containsOnly("AES256");
    assertThat(r.header("CreateMultipartUpload", KMS_KEY)).containsOnlyNulls();
    assertThat(r.header("PutObject", SSE)).isNotEmpty().containsOnly("AES256");
    var head = s3.headObject(b -> b.bucket(bucket).key(KEY));
    assertThat(head.serverSideEncryptionAsString()).isEqualTo("AES256");
  }

  @Test
  void withoutSettingsNoHeaderIsSent() {
    String bucket = s3server.newBucket();
    Recorder r = new Recorder();
    writeBackup(client(bucket, r), bucket, null);
    assertThat(r.header("CreateMultipartUpload", SSE)).containsOnlyNulls();
    assertThat(r.header("PutObject", SSE)).containsOnlyNulls();
  }

  @Test
  void theAgentsSettingsAreCheckedAsS3Would() {
    assertThat(ServerSideEncryption.fromEnv(null, null)).isNull();
    assertThat(ServerSideEncryption.fromEnv("aws:kms", null).kmsKeyId).isNull(); // the account's aws/s3 key
    assertThatThrownBy(() -> ServerSideEncryption.fromEnv("AES256", "alias/x")).hasMessageContaining("not aws:kms");
    assertThatThrownBy(() -> ServerSideEncryption.fromEnv("aws:kms:dsse", null)).hasMessageContaining("AES256 or aws:kms");
    assertThatThrownBy(() -> AgentEncryption.fromEnv(Map.of("S3_SSE", "KMS")))
        .isInstanceOfSatisfying(AgentException.class, e -> assertThat(e.exitCode()).isEqualTo(2));
  }
}
