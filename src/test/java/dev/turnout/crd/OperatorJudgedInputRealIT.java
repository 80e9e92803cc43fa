package dev.turnout.crd;

import static dev.turnout.crd.Samples.APP_RELEASE;
import static dev.turnout.crd.Samples.DATABASE_BACKUP;
import static dev.turnout.crd.Samples.DATABASE_RESTORE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.turnout.realtier.RealNamespace;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.FieldValidateable;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The other half of the invalid-input corpus (InvalidResourcesTest and CrdAdmissionRealIT hold the half the API server
 * refuses): resources a real kube-apiserver accepts, with strict field validation, because only the operator can
 * judge them (Secrets and keys that do not exist, an IANA zone the JDK does not know, a cron field out of range, a
 * reference to a DatabaseBackup that is not there). Each must end with a condition that names the field, at the
 * object's generation, and a Warning Event naming it, and nothing may be created for it: no CronJob, no Job, no
 * Deployment (bad input loses nothing and starts nothing). All rows are created at once and judged together, so the
 * class costs one reconcile round of the tier, not one per row.
 */
class OperatorJudgedInputRealIT {
  @RegisterExtension static final RealNamespace NS = new RealNamespace();

  /** One resource, the condition that must judge it, and the text (the field) its message and Event must carry. */
  record Row(String name, JsonNode resource, String condition, String reason, String field) {}

  static Row row(String name, String sample, String objectName, UnaryOperator<Samples.Edit> edit, String condition,
      String reason, String field) {
    Samples.Edit e = edit.apply(Samples.of(sample));
    ObjectNode metadata = (ObjectNode) e.node().get("metadata");
    metadata.put("name", objectName);
    return new Row(name, e.node(), condition, reason, field);
  }

  /** Storage given inline (no DatabaseBackup to look up), with the Secret the namespace has. */
  static Samples.Edit inlineStorage(Samples.Edit e) {
    return e.remove("spec.backupRef").set("spec.storage", "{s3: {bucket: prod-backups, credentialsSecretRef: {name: backup-s3}}}");
  }

  static List<Row> rows() {
    String ready = "Ready";
    String invalid = "InvalidSpec";
    return List.of(
        // DatabaseBackup: valid by the schema, judged by the operator before any CronJob or S3 call
        row("DatabaseBackup in a time zone the JDK does not know", DATABASE_BACKUP, "b-zone",
            e -> e.set("spec.timeZone", "Mars/Olympus"), ready, invalid, "spec.timeZone: unknown IANA time zone Mars/Olympus"),
        row("DatabaseBackup at hour 25", DATABASE_BACKUP, "b-hour", e -> e.set("spec.schedule", "\"0 25 * * *\""),
            ready, invalid, "spec.schedule: hour field \"25\""),
        row("DatabaseBackup at minute 60", DATABASE_BACKUP, "b-minute", e -> e.set("spec.schedule", "\"60 3 * * *\""),
            ready, invalid, "spec.schedule: minute field \"60\""),
        row("DatabaseBackup in month 13", DATABASE_BACKUP, "b-month", e -> e.set("spec.schedule", "\"0 3 1 13 *\""),
            ready, invalid, "spec.schedule: month field \"13\""),
        row("DatabaseBackup whose URI Secret does not exist", DATABASE_BACKUP, "b-uri",
            e -> e.set("spec.mongodb.uriSecretRef.name", "no-such-mongodb"), ready, invalid,
            "spec.mongodb.uriSecretRef: Secret " + NS.name() + "/no-such-mongodb does not exist"),
        row("DatabaseBackup whose URI Secret lacks the key", DATABASE_BACKUP, "b-urikey",
            e -> e.set("spec.mongodb.uriSecretRef.key", "MONGO_URL"), ready, invalid,
            "spec.mongodb.uriSecretRef: Secret " + NS.name() + "/mongodb has no key MONGO_URL"),
        row("DatabaseBackup whose storage Secret does not exist", DATABASE_BACKUP, "b-s3",
            e -> e.set("spec.storage.s3.credentialsSecretRef.name", "no-such-s3"), ready, invalid,
            "spec.storage.s3.credentialsSecretRef: Secret " + NS.name() + "/no-such-s3 does not exist"),
        row("DatabaseBackup whose storage Secret lacks the secret key", DATABASE_BACKUP, "b-s3key",
            e -> e.set("spec.storage.s3.credentialsSecretRef.name", "s3-half"), ready, invalid,
            "spec.storage.s3.credentialsSecretRef: Secret " + NS.name() + "/s3-half has no key AWS_SECRET_ACCESS_KEY"),
        row("DatabaseBackup whose Jobs' storage Secret does not exist", DATABASE_BACKUP, "b-jobs3",
            e -> e.set("spec.storage.s3.jobCredentialsSecretRef", "{name: no-such-job-s3}"), ready, invalid,
            "spec.storage.s3.jobCredentialsSecretRef: Secret " + NS.name() + "/no-such-job-s3 does not exist"),
        row("DatabaseBackup whose encryption key Secret does not exist", DATABASE_BACKUP, "b-key",
            e -> e.set("spec.storage.clientSideEncryption", "{keySecretRef: {name: no-such-keys}, keyId: k1}"), ready, invalid,
            "spec.storage.clientSideEncryption.keySecretRef: Secret " + NS.name() + "/no-such-keys does not exist"),
        row("DatabaseBackup whose encryption key Secret lacks the key id", DATABASE_BACKUP, "b-keyid",
            e -> e.set("spec.storage.clientSideEncryption", "{keySecretRef: {name: archive-keys}, keyId: k2}"), ready, invalid,
            "spec.storage.clientSideEncryption.keySecretRef: Secret " + NS.name() + "/archive-keys has no key k2"),
        // DatabaseRestore: judged before any Job
        row("DatabaseRestore of a DatabaseBackup that does not exist", DATABASE_RESTORE, "r-ref",
            e -> e.set("spec.backupRef", "{name: no-such-backup}"), ready, invalid,
            "spec.backupRef: DatabaseBackup " + NS.name() + "/no-such-backup does not exist"),
        row("DatabaseRestore into a target whose Secret does not exist", DATABASE_RESTORE, "r-target",
            e -> inlineStorage(e).set("spec.target.uriSecretRef.name", "no-such-target"), ready, invalid,
            "spec.target.uriSecretRef: Secret " + NS.name() + "/no-such-target does not exist"),
        row("DatabaseRestore whose storage Secret lacks the secret key", DATABASE_RESTORE, "r-s3key",
            e -> inlineStorage(e).set("spec.storage.s3.credentialsSecretRef.name", "s3-half"), ready, invalid,
            "spec.storage.s3.credentialsSecretRef: Secret " + NS.name() + "/s3-half has no key AWS_SECRET_ACCESS_KEY"),
        row("DatabaseRestore whose encryption key Secret does not exist", DATABASE_RESTORE, "r-key",
            e -> inlineStorage(e).set("spec.storage.clientSideEncryption", "{keySecretRef: {name: no-such-keys}, keyId: k1}"),
            ready, invalid,
            "spec.storage.clientSideEncryption.keySecretRef: Secret " + NS.name() + "/no-such-keys does not exist"),
        // AppRelease: a template that uses a Secret or ConfigMap that is not there starts no revision
        row("AppRelease whose container env uses a Secret that does not exist", APP_RELEASE, "a-env",
            e -> e.set("spec.template.spec.containers[0].env",
                "[{name: DB_URI, valueFrom: {secretKeyRef: {name: no-such-db, key: uri}}}]"),
            "ReferencesResolved", "MissingReference", "Secret no-such-db does not exist (used by container api env DB_URI)"),
        row("AppRelease whose container env uses a key the Secret lacks", APP_RELEASE, "a-key",
            e -> e.set("spec.template.spec.containers[0].env",
                "[{name: DB_URI, valueFrom: {secretKeyRef: {name: mongodb, key: uri}}}]"),
            "ReferencesResolved", "MissingReference", "Secret mongodb has no key uri (used by container api env DB_URI)"),
        row("AppRelease whose volume is a ConfigMap that does not exist", APP_RELEASE, "a-volume",
            e -> e.set("spec.template.spec.volumes", "[{name: settings, configMap: {name: no-such-settings}}]"),
            "ReferencesResolved", "MissingReference", "ConfigMap no-such-settings does not exist (used by volume settings)"));
  }

  void secret(KubernetesClient admin, String name, Map<String, String> values) {
    admin.resource(new SecretBuilder().withNewMetadata().withName(name).withNamespace(NS.name()).endMetadata()
        .withData(values.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey,
            v -> Base64.getEncoder().encodeToString(v.getValue().getBytes(StandardCharsets.UTF_8)))))
        .build()).create();
  }

  @Test
  void eachIsAcceptedByTheApiServerAndRefusedByTheOperatorNamingTheField() {
    KubernetesClient admin = NS.tier().admin();
    secret(admin, "mongodb", Map.of("MONGODB_URI", "mongodb://backup:pw@mongo.example:27017/"));
    secret(admin, "mongodb-staging", Map.of("MONGODB_URI", "mongodb://restore:pw@staging.example:27017/"));
    secret(admin, "backup-s3", Map.of("AWS_ACCESS_KEY_ID", "id", "AWS_SECRET_ACCESS_KEY", "secret"));
    secret(admin, "s3-half", Map.of("AWS_ACCESS_KEY_ID", "id"));
    secret(admin, "archive-keys", Map.of("k1", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="));

    List<Row> rows = rows();
    assertThat(rows).hasSizeGreaterThanOrEqualTo(15);
    for (Row r : rows) {
      ObjectNode copy = r.resource().deepCopy();
      ((ObjectNode) copy.get("metadata")).put("namespace", NS.name());
      GenericKubernetesResource resource = Serialization.jsonMapper().convertValue(copy, GenericKubernetesResource.class);
      // accepted as kubectl apply sends it: the schema and CEL have nothing against it
      admin.resource(resource).fieldValidation(FieldValidateable.Validation.STRICT).create();
    }

    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
      List<Event> events = admin.v1().events().inNamespace(NS.name()).list().getItems();
      for (Row r : rows) {
        GenericKubernetesResource live = admin.genericKubernetesResources(r.resource().get("apiVersion").asText(),
            r.resource().get("kind").asText()).inNamespace(NS.name()).withName(r.resource().at("/metadata/name").asText()).get();
        Condition c = conditions(live).stream().filter(x -> r.condition().equals(x.getType())).findFirst().orElse(null);
        assertThat(c).as("%s: condition %s", r.name(), r.condition()).isNotNull();
        assertThat(c.getStatus()).as(r.name()).isEqualTo("False");
        assertThat(c.getReason()).as(r.name()).isEqualTo(r.reason());
        assertThat(c.getMessage()).as(r.name()).contains(r.field());
        assertThat(c.getObservedGeneration()).as(r.name()).isEqualTo(live.getMetadata().getGeneration());
        assertThat(events).as("%s: a Warning Event naming the field", r.name())
            .anySatisfy(e -> {
              assertThat(e.getInvolvedObject().getName()).isEqualTo(live.getMetadata().getName());
              assertThat(e.getInvolvedObject().getKind()).isEqualTo(live.getKind());
              assertThat(e.getType()).isEqualTo("Warning");
              assertThat(e.getReason()).isEqualTo(r.reason());
              assertThat(e.getMessage()).contains(r.field());
            });
      }
    });
    // nothing was started for bad input
    assertThat(admin.batch().v1().cronjobs().inNamespace(NS.name()).list().getItems()).as("CronJobs").isEmpty();
    assertThat(admin.batch().v1().jobs().inNamespace(NS.name()).list().getItems()).as("Jobs").isEmpty();
    assertThat(admin.apps().deployments().inNamespace(NS.name()).list().getItems()).as("Deployments").isEmpty();
  }

  @SuppressWarnings("unchecked")
  static List<Condition> conditions(GenericKubernetesResource live) {
    Object status = live.getAdditionalProperties().get("status");
    if (!(status instanceof Map<?, ?> s) || !(s.get("conditions") instanceof List<?> list)) {
      return List.of();
    }
    return list.stream().map(o -> Serialization.jsonMapper().convertValue(o, Condition.class)).toList();
  }
}
