package dev.turnout.crd;

import static dev.turnout.crd.Samples.APP_RELEASE;
import static dev.turnout.crd.Samples.DATABASE_BACKUP;
import static dev.turnout.crd.Samples.DATABASE_RESTORE;
import static dev.turnout.crd.Samples.HEALTH_POLICY;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Bad input is rejected by the committed CRDs (schema and CEL rules), with an error that names the field. */
class InvalidResourcesTest {
  static CrdValidator validator;

  @BeforeAll
  static void load() {
    validator = CrdValidator.forCommittedCrds();
  }

  static Stream<Arguments> invalidResources() { // also CrdAdmissionRealIT: the real API server must agree
    return Stream.of(
        // AppRelease
        bad("AppRelease without spec.version", APP_RELEASE, e -> e.remove("spec.version"), "spec.version: Required value"),
        bad("AppRelease without spec.template", APP_RELEASE, e -> e.remove("spec.template"), "spec.template: Required value"),
        bad("AppRelease without spec.service.ports", APP_RELEASE, e -> e.remove("spec.service.ports"),
            "spec.service.ports: Required value"),
        bad("AppRelease with empty spec.service.ports", APP_RELEASE, e -> e.set("spec.service.ports", "[]"),
            "spec.service.ports: Invalid value: 0: should have at least 1 items"),
        bad("AppRelease with negative replicas", APP_RELEASE, e -> e.set("spec.replicas", "-1"),
            "spec.replicas: Invalid value: -1: should be greater than or equal to 0"),
        bad("AppRelease with activeName equal to previewName", APP_RELEASE,
            e -> e.set("spec.service.activeName", "web").set("spec.service.previewName", "web"),
            "spec.service.activeName and spec.service.previewName must name different Services"),
        bad("AppRelease with activeName equal to the default preview name", APP_RELEASE,
            e -> e.set("spec.service.activeName", "backend-preview"),
            "spec.service.activeName and spec.service.previewName must name different Services"),
        bad("AppRelease with previewName equal to the default active name", APP_RELEASE,
            e -> e.set("spec.service.previewName", "backend"),
            "spec.service.activeName and spec.service.previewName must name different Services"),
        bad("AppRelease with a string for an integer strategy field", APP_RELEASE,
            e -> e.set("spec.strategy.promotionDelaySeconds", "soon"),
            "spec.strategy.promotionDelaySeconds: Invalid value: \"soon\": must be of type integer"),
        bad("AppRelease with a string for a boolean strategy field", APP_RELEASE,
            e -> e.set("spec.strategy.autoPromote", "\"yes\""),
            "spec.strategy.autoPromote: Invalid value: \"yes\": must be of type boolean"),
        bad("AppRelease with an unknown strategy field", APP_RELEASE,
            e -> e.set("spec.strategy.canaryWeight", "10"),
            "spec.strategy.canaryWeight: Invalid value: unknown field \"spec.strategy.canaryWeight\""),
        bad("AppRelease with duplicate hook names", APP_RELEASE,
            e -> e.set("spec.hooks.prePromotion", """
                [{name: migrate, template: {spec: {template: {spec: {containers: []}}}}},
                 {name: migrate, template: {spec: {template: {spec: {containers: []}}}}}]"""),
            "spec.hooks.prePromotion: Invalid value: \"array\": hook names must be unique"),
        bad("AppRelease hook without a template", APP_RELEASE,
            e -> e.set("spec.hooks.prePromotion", "[{name: migrate}]"),
            "spec.hooks.prePromotion[0].template: Required value"),
        // HealthPolicy
        bad("HealthPolicy check with both http and tcp", HEALTH_POLICY,
            e -> e.set("spec.checks[0].tcp", "{host: mongo, port: 27017}"),
            "spec.checks[0]: Invalid value: \"object\": a check has exactly one of http, tcp or prometheus"),
        bad("HealthPolicy check with neither http nor tcp", HEALTH_POLICY, e -> e.remove("spec.checks[0].http"),
            "spec.checks[0]: Invalid value: \"object\": a check has exactly one of http, tcp or prometheus"),
        bad("HealthPolicy without checks", HEALTH_POLICY, e -> e.set("spec.checks", "[]"),
            "spec.checks: Invalid value: 0: should have at least 1 items"),
        bad("HealthPolicy with successThreshold 0", HEALTH_POLICY, e -> e.set("spec.successThreshold", "0"),
            "spec.successThreshold: Invalid value: 0: should be greater than or equal to 1"),
        bad("HealthPolicy with failureThreshold 0", HEALTH_POLICY, e -> e.set("spec.failureThreshold", "0"),
            "spec.failureThreshold: Invalid value: 0: should be greater than or equal to 1"),
        bad("HealthPolicy with scheme FTP", HEALTH_POLICY, e -> e.set("spec.checks[0].http.scheme", "FTP"),
            "spec.checks[0].http.scheme: Unsupported value: \"FTP\": supported values: \"HTTP\", \"HTTPS\""),
        bad("HealthPolicy expecting status 700", HEALTH_POLICY, e -> e.set("spec.checks[0].http.expectStatus", "[200, 700]"),
            "spec.checks[0].http.expectStatus: Invalid value: \"array\": status codes are between 100 and 599"),
        bad("HealthPolicy with duplicate check names", HEALTH_POLICY,
            e -> e.set("spec.checks[1]", "{name: api, tcp: {host: mongo, port: 27017}}"),
            "spec.checks: Invalid value: \"array\": check names must be unique"),
        bad("HealthPolicy JSON assertion with both equals and exists", HEALTH_POLICY,
            e -> e.set("spec.checks[0].http.expectJson", "[{path: $.database, equals: healthy, exists: true}]"),
            "spec.checks[0].http.expectJson[0]: Invalid value: \"object\": a JSON assertion has exactly one of equals,"
                + " exists or oneOf"),
        bad("HealthPolicy TCP port out of range", HEALTH_POLICY,
            e -> e.remove("spec.checks[0].http").set("spec.checks[0].tcp", "{host: mongo, port: 70000}"),
            "spec.checks[0].tcp.port: Invalid value: 70000: should be less than or equal to 65535"),
        bad("HealthPolicy check with an upper-case name", HEALTH_POLICY, e -> e.set("spec.checks[0].name", "API"),
            "spec.checks[0].name: Invalid value: \"API\": should match"),
        // item 11: pods that no check runs on would never become ready
        bad("HealthPolicy readinessGate with only a TCP check with host", HEALTH_POLICY,
            e -> e.remove("spec.checks[0].http").set("spec.checks[0].tcp", "{host: mongo, port: 27017}")
                .set("spec.readinessGate", "{conditionType: turnout.dev/deep-health}"),
            "spec.readinessGate: Invalid value: \"object\": a readiness gate needs at least one per-pod check (http, or"
                + " tcp without host)"),
        bad("HealthPolicy readinessGate with only dependency checks", HEALTH_POLICY,
            e -> e.remove("spec.checks[0].http").set("spec.checks[0].tcp", "{host: mongo, port: 27017}")
                .set("spec.checks[1]", "{name: errors, prometheus: {url: 'http://prometheus:9090', query: 'x',"
                    + " successCondition: 'result < 1'}}")
                .set("spec.readinessGate", "{conditionType: turnout.dev/deep-health}"),
            "spec.readinessGate: Invalid value: \"object\": a readiness gate needs at least one per-pod check (http, or"
                + " tcp without host)"),
        // DatabaseBackup
        bad("DatabaseBackup with schedule 'every day'", DATABASE_BACKUP, e -> e.set("spec.schedule", "every day"),
            "spec.schedule: Invalid value: \"every day\": should match"),
        bad("DatabaseBackup with a malformed time zone", DATABASE_BACKUP, e -> e.set("spec.timeZone", "Not A Zone!"),
            "spec.timeZone: Invalid value: \"Not A Zone!\": should match"),
        bad("DatabaseBackup with an unknown verify mode", DATABASE_BACKUP, e -> e.set("spec.verify.mode", "Full"),
            "spec.verify.mode: Unsupported value: \"Full\": supported values: \"Checksum\", \"RestoreTest\""),
        bad("DatabaseBackup without bucket", DATABASE_BACKUP, e -> e.remove("spec.storage.s3.bucket"),
            "spec.storage.s3.bucket: Required value"),
        bad("DatabaseBackup with negative daily retention", DATABASE_BACKUP, e -> e.set("spec.retention.daily", "-1"),
            "spec.retention.daily: Invalid value: -1: should be greater than or equal to 0"),
        bad("DatabaseBackup with negative monthly retention", DATABASE_BACKUP, e -> e.set("spec.retention", "{monthly: -3}"),
            "spec.retention.monthly: Invalid value: -3: should be greater than or equal to 0"),
        bad("DatabaseBackup without schedule", DATABASE_BACKUP, e -> e.remove("spec.schedule"),
            "spec.schedule: Required value"),
        bad("DatabaseBackup with a prefix not ending in /", DATABASE_BACKUP, e -> e.set("spec.storage.s3.prefix", "prod"),
            "spec.storage.s3.prefix: Invalid value: \"prod\": should match"),
        // restore drills (issue 11, beyond the anchors)
        bad("DatabaseBackup drill without schedule", DATABASE_BACKUP, e -> e.set("spec.drill", "{suspend: true}"),
            "spec.drill.schedule: Required value"),
        bad("DatabaseBackup drill with schedule 'weekly'", DATABASE_BACKUP, e -> e.set("spec.drill", "{schedule: weekly}"),
            "spec.drill.schedule: Invalid value: \"weekly\": should match"),
        bad("DatabaseBackup drill with a 10 s deadline", DATABASE_BACKUP,
            e -> e.set("spec.drill", "{schedule: '0 5 * * 0', activeDeadlineSeconds: 10}"),
            "spec.drill.activeDeadlineSeconds: Invalid value: 10: should be greater than or equal to 60"),
        bad("DatabaseBackup drill with a scratch size of 'lots'", DATABASE_BACKUP,
            e -> e.set("spec.drill", "{schedule: '0 5 * * 0', scratchSizeLimit: lots}"),
            "spec.drill.scratchSizeLimit: Invalid value: \"lots\": should match"),
        // issue 11 item 6: mongodump dumps one database or all; the agent exits 2 on more, so the API server refuses it
        bad("DatabaseBackup listing two databases", DATABASE_BACKUP, e -> e.set("spec.mongodb.databases", "[app, billing]"),
            "spec.mongodb: Invalid value: \"object\": databases lists at most one database (empty: all); create one"
                + " DatabaseBackup per database to dump several"),
        // encryption (issue 11, beyond the anchors)
        bad("DatabaseBackup with a KMS key under SSE-S3", DATABASE_BACKUP,
            e -> e.set("spec.storage.s3.serverSideEncryption", "{type: AES256, kmsKeyId: alias/backups}"),
            "spec.storage.s3.serverSideEncryption: Invalid value: \"object\": kmsKeyId is only allowed with type aws:kms"),
        bad("DatabaseBackup with an unknown SSE type", DATABASE_BACKUP,
            e -> e.set("spec.storage.s3.serverSideEncryption", "{type: SSE-C}"),
            "spec.storage.s3.serverSideEncryption.type: Unsupported value: \"SSE-C\""),
        bad("DatabaseBackup with SSE but no type", DATABASE_BACKUP,
            e -> e.set("spec.storage.s3.serverSideEncryption", "{kmsKeyId: alias/backups}"),
            "spec.storage.s3.serverSideEncryption.type: Required value"),
        bad("DatabaseBackup with client-side encryption but no keyId", DATABASE_BACKUP,
            e -> e.set("spec.storage.clientSideEncryption", "{keySecretRef: {name: backup-keys}}"),
            "spec.storage.clientSideEncryption.keyId: Required value"),
        bad("DatabaseBackup with a key id that is no Secret key", DATABASE_BACKUP,
            e -> e.set("spec.storage.clientSideEncryption", "{keySecretRef: {name: backup-keys}, keyId: 'key/2026'}"),
            "spec.storage.clientSideEncryption.keyId: Invalid value: \"key/2026\": should match"),
        bad("DatabaseRestore with a KMS key under SSE-S3", DATABASE_RESTORE,
            e -> e.remove("spec.backupRef").set("spec.storage", "{s3: {bucket: auto-author-backups, credentialsSecretRef:"
                + " {name: backup-s3}, serverSideEncryption: {type: AES256, kmsKeyId: k}}}"),
            "spec.storage.s3.serverSideEncryption: Invalid value: \"object\": kmsKeyId is only allowed with type aws:kms"),
        // DatabaseRestore
        bad("DatabaseRestore with both backupRef and storage", DATABASE_RESTORE,
            e -> e.set("spec.storage", "{s3: {bucket: auto-author-backups, credentialsSecretRef: {name: backup-s3}}}"),
            "spec: Invalid value: \"object\": set exactly one of backupRef or storage"),
        bad("DatabaseRestore with neither backupRef nor storage", DATABASE_RESTORE, e -> e.remove("spec.backupRef"),
            "spec: Invalid value: \"object\": set exactly one of backupRef or storage"),
        bad("DatabaseRestore with nsFrom but no nsTo", DATABASE_RESTORE, e -> e.set("spec.nsFrom", "auto_author.*"),
            "spec: Invalid value: \"object\": nsFrom and nsTo are set together"),
        bad("DatabaseRestore with nsTo but empty nsFrom", DATABASE_RESTORE,
            e -> e.set("spec.nsFrom", "\"\"").set("spec.nsTo", "auto_author_staging.*"),
            "spec: Invalid value: \"object\": nsFrom and nsTo are set together"),
        bad("DatabaseRestore without target", DATABASE_RESTORE, e -> e.remove("spec.target"),
            "spec.target: Required value"),
        bad("DatabaseRestore without object", DATABASE_RESTORE, e -> e.remove("spec.object"),
            "spec.object: Required value"),
        bad("DatabaseRestore with an unknown pointInTime", DATABASE_RESTORE, e -> e.set("spec.pointInTime", "Sometimes"),
            "spec.pointInTime: Unsupported value: \"Sometimes\": supported values: \"IfAvailable\", \"Off\", \"Required\""),
        bad("DatabaseRestore with a scratchSizeLimit that is no quantity", DATABASE_RESTORE,
            e -> e.set("spec.scratchSizeLimit", "lots"),
            "spec.scratchSizeLimit: Invalid value: \"lots\": should match"));
  }

  private static Arguments bad(String name, String sample, UnaryOperator<Samples.Edit> edit, String expectedError) {
    return Arguments.of(name, edit.apply(Samples.of(sample)).node(), expectedError);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidResources")
  void isRejectedWithAnErrorNamingTheField(String name, JsonNode resource, String expectedError) {
    List<String> errors = validator.validate(resource);
    assertThat(errors).as("errors for: %s", name).isNotEmpty();
    assertThat(errors)
        .as("errors for: %s", name)
        .anySatisfy(e -> assertThat(mentions(e, expectedError)).as("%s mentions %s", e, expectedError).isTrue());
  }

  /** The error starts or ends with the expected text, and a number in it is not the start of a longer one. */
  static boolean mentions(String error, String expected) {
    if (error.endsWith(expected)) {
      return true;
    }
    if (!error.startsWith(expected)) {
      return false;
    }
    return error.length() == expected.length() || !Character.isLetterOrDigit(error.charAt(expected.length()))
        && error.charAt(expected.length()) != '.';
  }

  @Test
  void aSyntacticallyValidButUnknownZonePassesTheSchema() {
    // Mars/Olympus matches the pattern; the operator reports it (the schema cannot know the IANA database)
    JsonNode backup = Samples.of(DATABASE_BACKUP).set("spec.timeZone", "Mars/Olympus").node();
    assertThat(validator.validate(backup)).isEmpty();
  }

  @Test
  void aRestoreIsImmutable() {
    JsonNode old = Samples.parse(DATABASE_RESTORE);
    JsonNode changed = Samples.of(DATABASE_RESTORE).set("spec.object", "prod/2026-11-20T03-00-00Z.archive.gz").node();
    assertThat(validator.validate(changed)).as("create: transition rules are skipped").isEmpty();
    assertThat(validator.validateUpdate(old, old.deepCopy())).as("update without change").isEmpty();
    assertThat(validator.validateUpdate(old, changed))
        .anySatisfy(e -> assertThat(e).isEqualTo("spec: Invalid value: \"object\": a DatabaseRestore is immutable; create a new one"));
  }

  @Test
  void errorsOfDifferentFieldsAreAllReported() {
    JsonNode release =
        Samples.of(APP_RELEASE).remove("spec.version").set("spec.replicas", "-2").set("spec.revisionHistoryLimit", "0").node();
    assertThat(validator.validate(release))
        .anySatisfy(e -> assertThat(e).startsWith("spec.version: "))
        .anySatisfy(e -> assertThat(e).startsWith("spec.replicas: "))
        .anySatisfy(e -> assertThat(e).startsWith("spec.revisionHistoryLimit: "));
  }
}
