package dev.turnout.crd;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Minimal valid resources pass, and the API server would store them with these defaults. */
class ValidResourcesTest {
  static CrdValidator validator;

  @BeforeAll
  static void load() {
    validator = CrdValidator.forCommittedCrds();
  }

  @Test
  void minimalAppRelease() {
    JsonNode release = Samples.parse(Samples.APP_RELEASE);
    assertThat(validator.validate(release)).isEmpty();
    JsonNode spec = validator.withDefaults(release).path("spec");
    assertThat(spec.path("replicas").asInt()).isEqualTo(1);
    assertThat(spec.path("revisionHistoryLimit").asInt()).isEqualTo(10);
    assertThat(spec.path("paused").asBoolean(true)).isFalse();
    // defaults inside an object apply only when the object is present (as in the API server)
    assertThat(spec.has("strategy")).isFalse();
  }

  @Test
  void appReleaseWithAnEmptyStrategyGetsTheStrategyDefaults() {
    JsonNode release = Samples.of(Samples.APP_RELEASE).set("spec.strategy", "{}").node();
    assertThat(validator.validate(release)).isEmpty();
    JsonNode strategy = validator.withDefaults(release).path("spec").path("strategy");
    assertThat(strategy.path("autoPromote").asBoolean(false)).isTrue();
    assertThat(strategy.path("promotionDelaySeconds").asInt(-1)).isZero();
    assertThat(strategy.path("scaleDownDelaySeconds").asInt()).isEqualTo(86400);
    assertThat(strategy.path("progressDeadlineSeconds").asInt()).isEqualTo(600);
  }

  @Test
  void appReleaseWithDistinctServiceNames() {
    JsonNode release =
        Samples.of(Samples.APP_RELEASE).set("spec.service.activeName", "api").set("spec.service.previewName", "api-next").node();
    assertThat(validator.validate(release)).isEmpty();
  }

  @Test
  void aReadinessGateWithAPerPodTcpCheckAndADependencyCheckIsValid() {
    JsonNode policy = Samples.of(Samples.HEALTH_POLICY).remove("spec.checks[0].http")
        .set("spec.checks[0].tcp", "{port: 8000}")
        .set("spec.checks[1]", "{name: mongo, tcp: {host: mongo, port: 27017}}")
        .set("spec.readinessGate", "{conditionType: turnout.dev/deep-health}").node();
    assertThat(validator.validate(policy)).isEmpty();
  }

  @Test
  void minimalHealthPolicy() {
    JsonNode policy = Samples.parse(Samples.HEALTH_POLICY);
    assertThat(validator.validate(policy)).isEmpty();
    JsonNode spec = validator.withDefaults(policy).path("spec");
    assertThat(spec.path("intervalSeconds").asInt()).isEqualTo(5);
    assertThat(spec.path("successThreshold").asInt()).isEqualTo(3);
    assertThat(spec.path("failureThreshold").asInt()).isEqualTo(2);
    assertThat(spec.path("dryRun").asBoolean(true)).isFalse();
    JsonNode check = spec.path("checks").get(0);
    assertThat(check.path("timeoutSeconds").asInt()).isEqualTo(2);
    assertThat(check.path("http").path("path").asText()).isEqualTo("/");
    assertThat(check.path("http").path("scheme").asText()).isEqualTo("HTTP");
    assertThat(check.path("http").path("method").asText()).isEqualTo("GET");
  }

  @Test
  void healthPolicyPortMayBeANumber() {
    JsonNode policy = Samples.of(Samples.HEALTH_POLICY).set("spec.checks[0].http.port", "8000").node();
    assertThat(validator.validate(policy)).isEmpty();
  }

  @Test
  void minimalDatabaseBackup() {
    JsonNode backup = Samples.parse(Samples.DATABASE_BACKUP);
    assertThat(validator.validate(backup)).isEmpty();
    JsonNode spec = validator.withDefaults(backup).path("spec");
    assertThat(spec.path("timeZone").asText()).isEqualTo("Etc/UTC");
    assertThat(spec.path("suspend").asBoolean(true)).isFalse();
    assertThat(spec.path("startingDeadlineSeconds").asLong()).isEqualTo(3600);
    assertThat(spec.path("activeDeadlineSeconds").asLong()).isEqualTo(7200);
    JsonNode s3 = spec.path("storage").path("s3");
    assertThat(s3.path("region").asText()).isEqualTo("us-east-1");
    assertThat(s3.has("prefix")).as("no default: the bucket's root").isFalse();
    assertThat(s3.path("forcePathStyle").asBoolean(true)).isFalse();
    assertThat(s3.path("credentialsSecretRef").path("accessKeyIdKey").asText()).isEqualTo("AWS_ACCESS_KEY_ID");
    assertThat(s3.path("credentialsSecretRef").path("secretAccessKeyKey").asText()).isEqualTo("AWS_SECRET_ACCESS_KEY");
  }

  @Test
  void databaseBackupWithRetentionAndVerifyGetsTheirDefaults() {
    JsonNode backup = Samples.of(Samples.DATABASE_BACKUP).set("spec.retention", "{}").set("spec.verify", "{}").node();
    assertThat(validator.validate(backup)).isEmpty();
    JsonNode spec = validator.withDefaults(backup).path("spec");
    assertThat(spec.path("retention").path("daily").asInt()).isEqualTo(7);
    assertThat(spec.path("retention").path("weekly").asInt()).isEqualTo(4);
    assertThat(spec.path("retention").path("monthly").asInt()).isEqualTo(12);
    assertThat(spec.path("verify").path("mode").asText()).isEqualTo("Checksum");
  }

  @Test
  void databaseBackupWithServerSideAndClientSideEncryption() {
    JsonNode backup = Samples.of(Samples.DATABASE_BACKUP)
        .set("spec.storage.s3.serverSideEncryption", "{type: 'aws:kms', kmsKeyId: 'alias/turnout-backups'}")
        .set("spec.storage.clientSideEncryption", "{keySecretRef: {name: backup-keys}, keyId: key-2026-12}")
        .node();
    assertThat(validator.validate(backup)).isEmpty();
    JsonNode sseS3 = Samples.of(Samples.DATABASE_BACKUP).set("spec.storage.s3.serverSideEncryption", "{type: AES256}").node();
    assertThat(validator.validate(sseS3)).isEmpty();
  }

  @Test
  void databaseBackupScheduleMacro() {
    JsonNode backup = Samples.of(Samples.DATABASE_BACKUP).set("spec.schedule", "\"@daily\"").node();
    assertThat(validator.validate(backup)).isEmpty();
  }

  @Test
  void minimalDatabaseRestore() {
    JsonNode restore = Samples.parse(Samples.DATABASE_RESTORE);
    assertThat(validator.validate(restore)).isEmpty();
    assertThat(validator.withDefaults(restore).path("spec").path("drop").asBoolean(true)).isFalse();
  }

  @Test
  void databaseRestoreFromStorageWithRename() {
    JsonNode restore =
        Samples.of(Samples.DATABASE_RESTORE)
            .remove("spec.backupRef")
            .set("spec.storage", "{s3: {bucket: auto-author-backups, credentialsSecretRef: {name: backup-s3}}}")
            .set("spec.nsFrom", "auto_author.*")
            .set("spec.nsTo", "auto_author_staging.*")
            .node();
    assertThat(validator.validate(restore)).isEmpty();
  }
}
