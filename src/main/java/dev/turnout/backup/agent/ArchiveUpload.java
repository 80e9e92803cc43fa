package dev.turnout.backup.agent;

import dev.turnout.backup.catalog.S3Errors;
import dev.turnout.backup.catalog.S3Settings;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;

/**
 * One archive streamed into an S3 multipart upload. Parts grow with the archive ({@link PartSizes}) so that any archive
 * up to S3's 5 TiB object limit fits in 10,000 parts. Unless {@link #complete()} ran, closing aborts the upload: a
 * killed or failed backup leaves no incomplete upload behind (the ones a killed pod leaves are aborted by the
 * operator's storage pass).
 */
final class ArchiveUpload implements AutoCloseable {
  private final S3Client s3;
  private final S3Settings settings;
  private final String key;
  private final int partSizeBytes;
  private final PrintStream log;
  private final String uploadId;
  private final List<CompletedPart> parts = new ArrayList<>();
  private long size;
  private boolean completed;

  private ArchiveUpload(S3Client s3, S3Settings settings, String key, int partSizeBytes, PrintStream log, String uploadId) {
    this.s3 = s3;
    this.settings = settings;
    this.key = key;
    this.partSizeBytes = partSizeBytes;
    this.log = log;
    this.uploadId = uploadId;
  }

  static ArchiveUpload start(S3Client s3, S3Settings settings, String key, int partSizeBytes, PrintStream log) {
    return start(s3, settings, key, partSizeBytes, log, null);
  }

  /** @param sse server-side encryption to ask for, or null */
  static ArchiveUpload start(S3Client s3, S3Settings settings, String key, int partSizeBytes, PrintStream log,
      dev.turnout.backup.catalog.ServerSideEncryption sse) {
    String uploadId =
        call(settings, () -> s3.createMultipartUpload(b -> {
              b.bucket(settings.bucket()).key(key).contentType("application/gzip");
              if (sse != null) {
                sse.applyTo(b); // on CreateMultipartUpload only: S3 applies it to every part
              }
            })
            .uploadId());
    return new ArchiveUpload(s3, settings, key, partSizeBytes, log, uploadId);
  }

  /** Uploads everything {@code in} yields as parts; returns the bytes uploaded. Failures name how far it got. */
  long copyFrom(InputStream in) {
    byte[] buf = new byte[0];
    int partNumber = 1;
    try {
      while (true) {
        if (partNumber > PartSizes.MAX_PARTS) {
          if (in.read() < 0) {
            break; // the archive filled the last part exactly
          }
          throw new AgentException("the archive exceeds " + PartSizes.capacity(PartSizes.MAX_PARTS, partSizeBytes)
              + " bytes, more than S3's 10,000 parts (and 5 TiB object limit) hold");
        }
        int want = PartSizes.size(partNumber, partSizeBytes);
        if (buf.length < want) {
          buf = new byte[want];
        }
        int n = in.readNBytes(buf, 0, want);
        if (n == 0) {
          break;
        }
        size += n;
        final int pn = partNumber++;
        final int len = n;
        final byte[] part = buf;
        String etag =
            call(settings, () -> s3.uploadPart(
                    b -> b.bucket(settings.bucket()).key(key).uploadId(uploadId).partNumber(pn).contentLength((long) len),
                    RequestBody.fromInputStream(new ByteArrayInputStream(part, 0, len), len))
                .eTag());
        parts.add(CompletedPart.builder().partNumber(pn).eTag(etag).build());
        if (n < want) {
          break;
        }
      }
    } catch (IOException e) {
      throw new AgentException("reading mongodump's output failed after " + size + " bytes: " + e.getMessage());
    } catch (AgentException e) {
      throw new AgentException(e.getMessage() + " (after " + size + " bytes of the archive)");
    }
    return size;
  }

  long size() {
    return size;
  }

  void complete() {
    call(settings, () -> s3.completeMultipartUpload(
        b -> b.bucket(settings.bucket()).key(key).uploadId(uploadId).multipartUpload(m -> m.parts(parts))));
    completed = true;
  }

  @Override
  public void close() {
    if (completed) {
      return;
    }
    try {
      s3.abortMultipartUpload(b -> b.bucket(settings.bucket()).key(key).uploadId(uploadId));
      log.println("backup: aborted the multipart upload of " + key + "; no manifest written");
    } catch (SdkException e) {
      log.println("backup: could not abort the multipart upload of " + key + ": " + S3Errors.describe(e, settings));
    }
  }

  private static <T> T call(S3Settings settings, java.util.function.Supplier<T> call) {
    return S3Calls.call(settings, call);
  }
}
