package dev.turnout.realtier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The API server's audit log (JSON lines, one event per request; see
 * https://kubernetes.io/docs/tasks/debug/debug-cluster/audit/): what the operator's identity really did.
 */
public final class AuditLog {
  static final Set<String> WRITE_VERBS = Set.of("create", "update", "patch", "delete", "deletecollection");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path file;
  private final String user;

  public AuditLog(Path file, String user) {
    this.file = file;
    this.user = user;
  }

  /** One request: who, what, on which object, and the HTTP answer. */
  public record Entry(Instant at, String user, String verb, String apiGroup, String resource, String subresource,
      String namespace, String name, int code, String decision, String message) {
    public boolean isWrite() {
      return WRITE_VERBS.contains(verb);
    }

    /** resource[/subresource] as RBAC names it. */
    public String fullResource() {
      return subresource == null ? resource : resource + "/" + subresource;
    }

    @Override
    public String toString() {
      return at + " " + verb + " " + (apiGroup == null || apiGroup.isEmpty() ? "" : apiGroup + "/") + fullResource()
          + " " + (namespace == null ? "" : namespace + "/") + (name == null ? "" : name) + " -> " + code;
    }
  }

  /** Every request of the operator's user, in order. */
  public List<Entry> operatorRequests() {
    return entries().filter(e -> user.equals(e.user())).toList();
  }

  /** The operator's writes since the instant, Leases and Events aside (leader election and reporting, not state). */
  public List<Entry> operatorWritesSince(Instant since) {
    return operatorRequests().stream()
        .filter(Entry::isWrite)
        .filter(e -> !e.at().isBefore(since))
        .filter(e -> !"leases".equals(e.resource()) && !"events".equals(e.resource()))
        .toList();
  }

  /**
   * The operator's requests refused with 403: by RBAC (the authorizer's decision "forbid") or by admission (quota, owner
   * reference permissions, webhooks). A create in a namespace being deleted is the one 403 that is nobody's fault:
   * namespace teardown deletes in no particular order, so it is left out.
   */
  public List<Entry> operatorForbidden() {
    return operatorRequests().stream()
        .filter(e -> e.code() == 403)
        .filter(e -> "forbid".equals(e.decision()) || e.message() == null || !e.message().contains("being terminated"))
        .toList();
  }

  /**
   * The operator's writes that touch a custom resource's spec in the namespaces named (see {@link SpecWrites}), each
   * as the request and why: the operator never writes spec, so that GitOps tools see no drift and no fight over fields.
   */
  public List<String> operatorSpecWrites(java.util.function.Predicate<String> namespaces) {
    return events().filter(n -> user.equals(n.path("user").path("username").asText()))
        .filter(n -> namespaces.test(n.path("objectRef").path("namespace").asText()))
        .flatMap(n -> SpecWrites.violation(n).map(why -> entry(n) + ": " + why).stream())
        .toList();
  }

  private Stream<Entry> entries() {
    return events().map(AuditLog::entry);
  }

  private Stream<JsonNode> events() {
    if (!Files.exists(file)) {
      return Stream.empty();
    }
    try {
      List<String> lines = Files.readAllLines(file);
      // the API server may be writing the last line right now: a line that does not end the file is complete
      return lines.stream().filter(l -> !l.isBlank()).filter(l -> l.endsWith("}")).map(AuditLog::json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Entry parse(String line) {
    return entry(json(line));
  }

  private static JsonNode json(String line) {
    try {
      return JSON.readTree(line);
    } catch (IOException e) {
      throw new UncheckedIOException("unreadable audit line: " + line, e);
    }
  }

  private static Entry entry(JsonNode n) {
    JsonNode ref = n.path("objectRef");
    return new Entry(Instant.parse(n.path("requestReceivedTimestamp").asText()),
        n.path("user").path("username").asText(), n.path("verb").asText(),
        text(ref, "apiGroup"), text(ref, "resource"), text(ref, "subresource"), text(ref, "namespace"),
        text(ref, "name"), n.path("responseStatus").path("code").asInt(),
        text(n.path("annotations"), "authorization.k8s.io/decision"), text(n.path("responseStatus"), "message"));
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }
}
