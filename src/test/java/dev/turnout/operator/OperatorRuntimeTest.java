package dev.turnout.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.turnout.apprelease.AppRelease;
import dev.turnout.backup.DatabaseBackup;
import dev.turnout.common.SecretKeyRef;
import dev.turnout.healthpolicy.HealthPolicy;
import dev.turnout.restore.DatabaseRestore;
import dev.turnout.testing.EmbeddedClusterResource;
import dev.turnout.testing.Releases;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a platform engineer sees of the running operator: health, metrics, and validation only it can do. */
@QuarkusTest
@QuarkusTestResource(EmbeddedClusterResource.class)
class OperatorRuntimeTest {
  @Inject KubernetesClient client;

  @TestHTTPResource("/q/health/ready")
  URL ready;

  @TestHTTPResource("/q/metrics")
  URL metrics;

  static String get(URL url) throws Exception {
    return HttpClient.newHttpClient()
        .send(HttpRequest.newBuilder(URI.create(url.toString())).build(), HttpResponse.BodyHandlers.ofString())
        .body();
  }

  @Test
  void servesHealthAndReleaseMetrics() throws Exception {
    // ready once every informer has synced (the operator starts them after the HTTP server): wait for it
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(get(ready)).contains("\"status\": \"UP\""));
    String ns = Releases.newNamespace(client, "metrics");
    client.resource(Releases.backend(ns, "1.0.0", 1)).create();
    await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() ->
        assertThat(client.resources(AppRelease.class).inNamespace(ns).withName("backend").get().getStatus().phase).isEqualTo("Healthy"));
    String text = get(metrics);
    assertThat(text).containsPattern("turnout_releases_started_total\\{app=\"backend\",namespace=\"" + ns + "\"\\} 1\\.0");
    assertThat(text).containsPattern("turnout_releases_promoted_total\\{app=\"backend\",namespace=\"" + ns + "\"\\} 1\\.0");
    assertThat(text).contains("turnout_release_promotion_duration_seconds_count{app=\"backend\",namespace=\"" + ns + "\"}");
    assertThat(text).contains("turnout_release_switch_convergence_seconds_count{app=\"backend\",namespace=\"" + ns + "\"}");
    assertThat(text).contains("turnout_api_writes_total");
    // the state gauge the alerts read (set right after the status write that the wait above saw): one series, the
    // current phase; no deadline once switched
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(get(metrics))
        .containsPattern("turnout_release_phase\\{app=\"backend\",namespace=\"" + ns + "\",phase=\"Healthy\"\\} 1\\.0"));
    text = get(metrics);
    assertThat(text).doesNotContainPattern("turnout_release_phase\\{app=\"backend\",namespace=\"" + ns + "\",phase=\"(?!Healthy)");
    assertThat(text).doesNotContain("turnout_release_progress_deadline_timestamp_seconds{app=\"backend\",namespace=\"" + ns + "\"}");
    assertThat(text).doesNotContain("revision=\"");
    // reconcile metrics per kind, not JOSDK's per-resource ones (the test-only Reconciles hook hands them on unchanged)
    assertThat(text).containsPattern("turnout_reconcile_duration_seconds_count\\{kind=\"AppRelease\"\\} [1-9]");
    assertThat(text).doesNotContain("operator_sdk_");
  }

  @Test
  void aBackupNamingAMissingSecretOrAnUnknownZoneReportsTheFieldInAConditionAndAnEvent() {
    String ns = Releases.newNamespace(client, "invalid");
    DatabaseBackup b = Serialization.unmarshal("""
        apiVersion: turnout.dev/v1alpha1
        kind: DatabaseBackup
        metadata: {name: mongo-prod}
        spec:
          mongodb: {uriSecretRef: {name: mongodb, key: MONGODB_URI}}
          schedule: "0 3 * * *"
          timeZone: Mars/Olympus
          storage:
            s3: {bucket: backups, credentialsSecretRef: {name: backup-s3}}
        """, DatabaseBackup.class);
    b.getMetadata().setNamespace(ns);
    client.resource(b).create();
    await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
      var status = client.resources(DatabaseBackup.class).inNamespace(ns).withName("mongo-prod").get().getStatus();
      assertThat(status.observedGeneration).isEqualTo(1L);
      assertThat(status.conditions).anySatisfy(c -> {
        assertThat(c.getType()).isEqualTo("Ready");
        assertThat(c.getStatus()).isEqualTo("False");
        assertThat(c.getMessage())
            .contains("spec.timeZone: unknown IANA time zone Mars/Olympus")
            .contains("spec.mongodb.uriSecretRef: Secret " + ns + "/mongodb does not exist")
            .contains("spec.storage.s3.credentialsSecretRef: Secret " + ns + "/backup-s3 does not exist");
      });
    });
    assertThat(client.v1().events().inNamespace(ns).list().getItems()).extracting(Event::getReason).contains("InvalidSpec");
    assertThat(client.resources(DatabaseBackup.class).inNamespace(ns).withName("mongo-prod").get().getSpec().timeZone)
        .as("the operator never rewrites spec").isEqualTo("Mars/Olympus");
  }

  @Test
  void aRestoreIntoAMissingSecretIsNotReadyAndAValidHealthPolicyIsReady() {
    String ns = Releases.newNamespace(client, "restore-invalid");
    client.resource(new SecretBuilder().withNewMetadata().withName("backup-s3").withNamespace(ns).endMetadata()
        .withStringData(Map.of("AWS_ACCESS_KEY_ID", "k", "AWS_SECRET_ACCESS_KEY", "s")).build()).create();
    DatabaseRestore r = Serialization.unmarshal("""
        apiVersion: turnout.dev/v1alpha1
        kind: DatabaseRestore
        metadata: {name: refresh-staging}
        spec:
          object: latest
          storage: {s3: {bucket: backups, credentialsSecretRef: {name: backup-s3}}}
          target: {uriSecretRef: {name: mongodb-staging, key: MONGODB_URI}}
        """, DatabaseRestore.class);
    r.getMetadata().setNamespace(ns);
    client.resource(r).create();
    HealthPolicy hp = Serialization.unmarshal("""
        apiVersion: turnout.dev/v1alpha1
        kind: HealthPolicy
        metadata: {name: backend-health}
        spec:
          checks:
          - {name: api, http: {path: /api/v1/health, port: http}}
        """, HealthPolicy.class);
    hp.getMetadata().setNamespace(ns);
    client.resource(hp).create();
    await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
      var rs = client.resources(DatabaseRestore.class).inNamespace(ns).withName("refresh-staging").get().getStatus();
      assertThat(rs.conditions).anySatisfy(c -> {
        assertThat(c.getType()).isEqualTo("Ready");
        assertThat(c.getStatus()).isEqualTo("False");
        assertThat(c.getMessage()).contains("spec.target.uriSecretRef: Secret " + ns + "/mongodb-staging does not exist");
      });
      var hs = client.resources(HealthPolicy.class).inNamespace(ns).withName("backend-health").get().getStatus();
      assertThat(hs.conditions).anySatisfy(c -> {
        assertThat(c.getType()).isEqualTo("Ready");
        assertThat(c.getStatus()).isEqualTo("True");
      });
    });
  }
}
