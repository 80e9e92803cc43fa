package dev.turnout.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The operator's requests from the real API server's audit log, read incrementally (at 1,000 releases the log holds
 * hundreds of thousands of lines: {@code AuditLog} reads it whole on each call). The API server rotates the file at
 * 100 MB (lumberjack's default size): the open channel finishes the renamed file, then the new one is read.
 */
final class AuditTail implements OperatorRequests {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final Path file;
  private final String userField;
  private final List<Request> requests = new ArrayList<>();
  private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
  private FileChannel channel;
  private Object fileKey;

  AuditTail(Path file, String user) {
    this.file = file;
    this.userField = "\"username\":\"" + user + "\"";
  }

  @Override
  public synchronized List<Request> since(Instant since) {
    poll();
    List<Request> out = new ArrayList<>();
    for (Request r : requests) {
      if (!r.at().isBefore(since)) {
        out.add(r);
      }
    }
    return out;
  }

  private void poll() {
    try {
      if (channel == null) {
        if (!Files.exists(file)) {
          return;
        }
        open();
      }
      readToEnd();
      Object now = Files.readAttributes(file, BasicFileAttributes.class).fileKey();
      if (now != null && !now.equals(fileKey)) {
        channel.close();
        partial.reset();
        open();
        readToEnd();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void open() throws IOException {
    channel = FileChannel.open(file, StandardOpenOption.READ);
    fileKey = Files.readAttributes(file, BasicFileAttributes.class).fileKey();
  }

  private void readToEnd() throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(1 << 20);
    while (channel.read(buf) > 0) {
      buf.flip();
      while (buf.hasRemaining()) {
        byte b = buf.get();
        if (b == '\n') {
          line(partial.toString(StandardCharsets.UTF_8));
          partial.reset();
        } else {
          partial.write(b);
        }
      }
      buf.clear();
    }
  }

  private void line(String line) throws IOException {
    if (!line.contains(userField)) {
      return;
    }
    JsonNode n = JSON.readTree(line);
    if (!"ResponseComplete".equals(n.path("stage").asText("ResponseComplete"))) {
      return;
    }
    JsonNode ref = n.path("objectRef");
    String resource = text(ref, "resource");
    if ("leases".equals(resource) || "events".equals(resource)) {
      return;
    }
    requests.add(new Request(Instant.parse(n.path("requestReceivedTimestamp").asText()), n.path("verb").asText(), resource,
        text(ref, "subresource"), text(ref, "namespace"), text(ref, "name")));
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }
}
