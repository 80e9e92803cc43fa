package dev.turnout.realtier;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real tier's "the operator never writes spec" check over audit events as kube-apiserver 1.34 writes them with
 * ControlPlane's policy (RequestResponse for the operator's writes to turnout.dev, Metadata for status): it fails on
 * each way a spec can be written and passes status and metadata-only writes.
 */
class SpecWritesTest {
  static final String USER = AuditLogTest.USER;

  /** One audit event of the operator's; request and response are JSON or null (not recorded at that level). */
  static String event(String verb, String resource, String subresource, String ns, int code, String request,
      String response) {
    return ("{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"level\":\"%s\",\"stage\":\"ResponseComplete\","
        + "\"verb\":\"%s\",\"user\":{\"username\":\"%s\",\"groups\":[\"system:serviceaccounts\"]},"
        + "\"objectRef\":{\"resource\":\"%s\",\"namespace\":\"%s\",\"name\":\"mongo-prod\",\"apiGroup\":\"turnout.dev\","
        + "\"apiVersion\":\"v1alpha1\"%s},\"responseStatus\":{\"metadata\":{},\"code\":%d}%s%s,"
        + "\"requestReceivedTimestamp\":\"2026-12-02T08:30:20.000000Z\",\"annotations\":{\"authorization.k8s.io/decision\":"
        + "\"allow\"}}")
        .formatted(request == null ? "Metadata" : "RequestResponse", verb, USER, resource, ns,
            subresource == null ? "" : ",\"subresource\":\"" + subresource + "\"", code,
            request == null ? "" : ",\"requestObject\":" + request, response == null ? "" : ",\"responseObject\":" + response);
  }

  static String object(long generation, String spec) {
    return "{\"apiVersion\":\"turnout.dev/v1alpha1\",\"kind\":\"DatabaseBackup\",\"metadata\":{\"name\":\"mongo-prod\","
        + "\"namespace\":\"a\",\"generation\":" + generation + ",\"resourceVersion\":\"4711\"},\"spec\":" + spec + "}";
  }

  List<String> specWrites(Path dir, String... lines) throws Exception {
    Path file = dir.resolve("audit.log");
    Files.write(file, List.of(lines));
    return new AuditLog(file, USER).operatorSpecWrites(Set.of("a")::contains);
  }

  @Test
  void statusAndMetadataOnlyWritesPass(@TempDir Path dir) throws Exception {
    assertThat(specWrites(dir,
        // the StatusPatcher's JSON patch on the status subresource, recorded at Metadata level
        event("patch", "appreleases", "status", "a", 200, null, null),
        // DatabaseBackupGate's backup-now request: a merge patch of one annotation
        event("patch", "databasebackups", null, "a", 200,
            "{\"metadata\":{\"annotations\":{\"turnout.dev/backup-now\":\"apprelease-backend-r2\"}}}", object(4, "{}")),
        // a finalizer added by JSON patch, and an update that changed metadata only (generation unchanged)
        event("patch", "appreleases", null, "a", 200, "[{\"op\":\"add\",\"path\":\"/metadata/finalizers\",\"value\":[\"x\"]}]",
            object(3, "{}")),
        event("update", "appreleases", null, "a", 200, object(3, "{\"version\":\"1.0.0\"}"), object(3, "{\"version\":\"1.0.0\"}")),
        // reads, deletes, other namespaces, other groups, other users
        event("get", "appreleases", null, "a", 200, null, null),
        event("delete", "databaserestores", null, "a", 200, null, null),
        event("patch", "databasebackups", null, "b", 200, "{\"spec\":{\"suspend\":true}}", object(5, "{}")),
        event("patch", "deployments", null, "a", 200, "{\"spec\":{\"replicas\":3}}", null).replace("turnout.dev", "apps"),
        event("patch", "databasebackups", null, "a", 200, "{\"spec\":{\"suspend\":true}}", object(5, "{}"))
            .replace(USER, "kubernetes-admin")))
        .isEmpty();
  }

  @Test
  void everyWayOfWritingSpecFails(@TempDir Path dir) throws Exception {
    assertThat(specWrites(dir,
        event("patch", "databasebackups", null, "a", 200, "{\"spec\":{\"suspend\":true}}", object(5, "{\"suspend\":true}")),
        event("patch", "databasebackups", null, "a", 200,
            "[{\"op\":\"replace\",\"path\":\"/spec/schedule\",\"value\":\"0 4 * * *\"}]", object(6, "{}")),
        // server-side apply of a spec field: the applied configuration names it
        event("patch", "appreleases", null, "a", 200,
            "{\"apiVersion\":\"turnout.dev/v1alpha1\",\"kind\":\"AppRelease\",\"spec\":{\"paused\":true}}", object(7, "{}")),
        event("update", "appreleases", null, "a", 200, object(3, "{\"version\":\"1.1.0\"}"), object(4, "{\"version\":\"1.1.0\"}")),
        event("update", "appreleases", "scale", "a", 200, "{\"spec\":{\"replicas\":5}}", null),
        event("create", "databaserestores", null, "a", 201, object(1, "{}"), object(1, "{}")),
        // a main-resource patch recorded without its body: the check cannot judge it, so it says so
        event("patch", "databasebackups", null, "a", 200, null, null)))
        .satisfiesExactly(
            w -> assertThat(w).contains("patch turnout.dev/databasebackups a/mongo-prod").contains("patch sets spec"),
            w -> assertThat(w).contains("JSON patch replace /spec/schedule"),
            w -> assertThat(w).contains("patch sets spec: {\"paused\":true}"),
            w -> assertThat(w).contains("update changed spec: metadata.generation 3 -> 4"),
            w -> assertThat(w).contains("appreleases/scale").contains("spec.replicas"),
            w -> assertThat(w).contains("creates a custom resource"),
            w -> assertThat(w).contains("RequestResponse"));
  }

  /**
   * Recorded by kube-apiserver 1.34.4 on the real tier with ControlPlane's policy (a scratch test patched a
   * DatabaseBackup with the operator's token): the backup-now annotation passes, a merge patch of spec.suspend and a
   * JSON patch of spec.schedule fail.
   */
  @Test
  void recordedWritesOfTheRealApiServer() throws Exception {
    Path file = Path.of("src/test/resources/realtier/spec-writes.audit.jsonl");
    assertThat(Files.readAllLines(file)).hasSize(3).allSatisfy(l -> assertThat(l).contains("\"level\":\"RequestResponse\""));
    assertThat(new AuditLog(file, USER).operatorSpecWrites(Set.of("scratchspecwrite-skw")::contains)).satisfiesExactly(
        w -> assertThat(w).contains("patch turnout.dev/databasebackups scratchspecwrite-skw/scratch -> 200")
            .endsWith("patch sets spec: {\"suspend\":true}"),
        w -> assertThat(w).endsWith("JSON patch replace /spec/schedule"));
  }

  @Test
  void aRefusedUpdateChangedNothing(@TempDir Path dir) throws Exception {
    assertThat(specWrites(dir, event("update", "appreleases", null, "a", 409, object(3, "{\"version\":\"2\"}"),
        "{\"kind\":\"Status\",\"code\":409}"))).isEmpty();
  }

  @Test
  void thePolicyRecordsBodiesOnlyForWritesToTurnoutResourcesOutsideStatus() {
    String policy = ControlPlane.auditPolicy("system:serviceaccounts:turnout-system");
    // rules match in order: status first at Metadata, then the bodies, then everything else of the group at Metadata
    assertThat(policy.indexOf("\"*/status\"")).isLessThan(policy.indexOf("RequestResponse"));
    assertThat(policy).contains("verbs: [create, update, patch]").endsWith("- level: None\n");
  }
}
