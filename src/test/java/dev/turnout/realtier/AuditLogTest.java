package dev.turnout.realtier;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The audit log reader the real tier's idle-write and RBAC checks rely on, on lines as kube-apiserver 1.34 writes them. */
class AuditLogTest {
  static final String USER = "system:serviceaccount:turnout-system:turnout";

  static String line(String at, String verb, String resource, String subresource, String ns, int code) {
    return line(at, verb, resource, subresource, ns, code, code == 403 ? "forbid" : "allow");
  }

  static String line(String at, String verb, String resource, String subresource, String ns, int code, String decision) {
    return ("{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"level\":\"Metadata\",\"stage\":\"ResponseComplete\","
        + "\"verb\":\"%s\",\"user\":{\"username\":\"%s\",\"groups\":[\"system:serviceaccounts\"]},"
        + "\"objectRef\":{\"resource\":\"%s\",\"namespace\":\"%s\",\"name\":\"x\",\"apiGroup\":\"turnout.dev\"%s},"
        + "\"responseStatus\":{\"metadata\":{},\"code\":%d},\"requestReceivedTimestamp\":\"%s\","
        + "\"annotations\":{\"authorization.k8s.io/decision\":\"%s\"}}")
        .formatted(verb, USER, resource, ns, subresource == null ? "" : ",\"subresource\":\"" + subresource + "\"", code, at,
            decision);
  }

  @Test
  void writesAfterTheInstantExceptLeasesAndEventsAndRefusedRequests(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("audit.log");
    Files.write(file, List.of(
        line("2026-12-02T08:30:20.000000Z", "patch", "healthpolicies", "status", "a", 200),
        line("2026-12-02T08:30:21.116628Z", "patch", "healthpolicies", "status", "a", 200),
        line("2026-12-02T08:30:22.000000Z", "update", "leases", null, "turnout-system", 200),
        line("2026-12-02T08:30:23.000000Z", "create", "events", null, "a", 201),
        line("2026-12-02T08:30:24.000000Z", "watch", "appreleases", null, "a", 200),
        line("2026-12-02T08:30:25.000000Z", "patch", "leases", null, "turnout-system", 403),
        // allowed by RBAC, refused by admission: a create in a namespace being deleted (left out)...
        line("2026-12-02T08:30:19.000000Z", "create", "services", null, "gone", 403, "allow")
            .replace("\"code\":403", "\"code\":403,\"message\":\"services \\\"x\\\" is forbidden: unable to create new "
                + "content in namespace gone because it is being terminated\""),
        // ...and by a quota (counted)
        line("2026-12-02T08:30:18.000000Z", "create", "jobs", null, "full", 403, "allow"),
        // half written by the API server: ignored until complete
        "{\"kind\":\"Event\",\"verb\":\"create\",\"user\":{\"username\":\"" + USER + "\"},\"objectRef\":{",
        "{\"verb\":\"patch\",\"user\":{\"username\":\"system:kube-controller-manager\"},\"objectRef\":{\"resource\":\"pods\"},"
            + "\"responseStatus\":{\"code\":200},\"requestReceivedTimestamp\":\"2026-12-02T08:30:26Z\"}"));
    AuditLog log = new AuditLog(file, USER);

    assertThat(log.operatorWritesSince(Instant.parse("2026-12-02T08:30:21Z")))
        .singleElement().satisfies(e -> {
          assertThat(e.fullResource()).isEqualTo("healthpolicies/status");
          assertThat(e.toString()).contains("patch turnout.dev/healthpolicies/status a/x -> 200");
        });
    assertThat(log.operatorForbidden()).extracting(AuditLog.Entry::toString).satisfiesExactly(
        e -> assertThat(e).contains("patch turnout.dev/leases turnout-system/x -> 403"),
        e -> assertThat(e).contains("create turnout.dev/jobs full/x -> 403"));
    assertThat(log.operatorRequests()).hasSize(8);
  }

  @Test
  void aMissingLogHasNoEntries(@TempDir Path dir) {
    assertThat(new AuditLog(dir.resolve("none"), USER).operatorRequests()).isEmpty();
  }
}
