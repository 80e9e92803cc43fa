package dev.turnout.backup.agent;

import dev.turnout.backup.catalog.S3Settings;
import java.net.URI;
import java.util.concurrent.atomic.AtomicInteger;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import software.amazon.awssdk.services.s3.S3Client;

/** S3Proxy (in-memory blobstore, access-key authentication) on 127.0.0.1, random port. */
public final class S3TestServer implements AutoCloseable {
  public static final String ACCESS_KEY = "turnout-test-access";
  public static final String SECRET_KEY = "turnout-test-secret-Xy9";
  private static final AtomicInteger BUCKETS = new AtomicInteger();

  private final S3Proxy proxy;
  private final String endpoint;

  public S3TestServer() throws Exception {
    this(store -> store);
  }

  /** With the in-memory blobstore wrapped, e.g. in a {@link PrefixScopedBlobStore}. */
  public S3TestServer(java.util.function.UnaryOperator<org.gaul.s3proxy.blobstore.BlobStore> wrap) throws Exception {
    proxy =
        S3Proxy.builder()
            .blobStore(wrap.apply(new TransientNio2BlobStore()))
            .endpoint(URI.create("http://127.0.0.1:0"))
            .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
            .build();
    proxy.start();
    long deadline = System.currentTimeMillis() + 20_000;
    while (!"STARTED".equals(proxy.getState()) && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    endpoint = "http://127.0.0.1:" + proxy.getPort();
  }

  public String endpoint() {
    return endpoint;
  }

  public S3Settings settings(String bucket, String prefix) {
    return new S3Settings(endpoint, "us-east-1", bucket, prefix, true, ACCESS_KEY, SECRET_KEY);
  }

  /** A new empty bucket. */
  public String newBucket() {
    String name = "turnout-test-" + BUCKETS.incrementAndGet();
    try (S3Client c = settings(name, "").newClient()) {
      c.createBucket(b -> b.bucket(name));
    }
    return name;
  }

  @Override
  public void close() throws Exception {
    proxy.stop();
  }
}
