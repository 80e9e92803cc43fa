package dev.turnout.realtier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.turnout.apprelease.AppRelease;
import dev.turnout.apprelease.AppReleaseStatus;
import dev.turnout.backup.BackupJobFactory;
import dev.turnout.backup.DatabaseBackup;
import dev.turnout.common.Labels;
import dev.turnout.testing.OperatorProcess;
import dev.turnout.testing.Releases;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.Map;
import org.awaitility.core.ThrowingRunnable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * The chart's namespace-scoped mode on the real control plane: helm/turnout rendered with {@code watchNamespaces} (a
 * Role and RoleBinding in the watched namespace, nothing cluster-wide but the CRD reads), its objects applied as
 * rendered, and the operator running with that release's ServiceAccount token and env instead of the cluster-wide
 * one (stopped for the class, started again after it: Isolated). A release switches and rolls back, a DatabaseBackup
 * gets its CronJob and an on-demand Job, a resource in a namespace it does not watch is left alone, and the API server
 * refuses none of its requests.
 */
@Isolated
class NamespaceScopedRealIT {
  static final Duration WAIT = Duration.ofSeconds(90);
  static final String RELEASE = "turnout-scoped";
  @RegisterExtension static final RealNamespace NS = new RealNamespace();
  static OperatorProcess scoped;
  static ChartIdentity identity;
  static AuditLog audit;
  static String unwatched;

  @BeforeAll
  static void startTheNamespaceScopedOperator() throws Exception {
    RealTier tier = NS.tier();
    tier.killOperator();
    identity = ChartIdentity.install(tier.plane(), RealTier.workDir().resolve("operator-scoped.kubeconfig"), RELEASE,
        "watchNamespaces[0]", NS.name());
    audit = new AuditLog(tier.plane().auditLog(), identity.userName());
    unwatched = NS.name() + "-unwatched";
    tier.admin().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(unwatched).endMetadata().build()).create();
    scoped = tier.startOperatorAs(identity, Map.of("TURNOUT_LEASE_NAME", "turnout-scoped-lock"), "operator-scoped.log");
  }

  @AfterAll
  static void backToTheClusterWideOperator() throws Exception {
    // a leading operator exits on SIGTERM (it used to block for ever in System.exit inside its own shutdown hook)
    boolean exitedOnSigterm = scoped == null || scoped.terminate();
    NS.tier().admin().namespaces().withName(unwatched).delete();
    NS.tier().startOperator();
    assertThat(exitedOnSigterm).as("the operator, leading, exited within 10 s of SIGTERM").isTrue();
  }

  @AfterEach
  void noRequestRefused() {
    assertThat(audit.operatorForbidden()).as("requests of the namespace-scoped operator refused by RBAC").isEmpty();
  }

  KubernetesClient client() {
    return NS.tier().admin();
  }

  void eventually(ThrowingRunnable assertion) {
    await().atMost(WAIT).pollInterval(Duration.ofMillis(250)).ignoreExceptionsInstanceOf(NullPointerException.class)
        .untilAsserted(assertion);
  }

  AppReleaseStatus status(String ns, String name) {
    AppRelease ar = client().resources(AppRelease.class).inNamespace(ns).withName(name).get();
    return ar == null ? null : ar.getStatus();
  }

  String activeColor(String name) {
    Service s = client().services().inNamespace(NS.name()).withName(name).get();
    return s == null ? null : s.getSpec().getSelector().get(Labels.COLOR);
  }

  @Test
  void theRenderGrantsNothingClusterWideButTheCrdReads() {
    assertThat(client().rbac().clusterRoles().withLabel("app.kubernetes.io/instance", RELEASE).list().getItems())
        .extracting(ClusterRole::getMetadata).extracting(m -> m.getName()).containsExactly(RELEASE + "-crds");
    assertThat(client().rbac().roles().inNamespace(NS.name()).withName(RELEASE).get()).isNotNull();
    assertThat(identity.env().get("TURNOUT_NAMESPACES")).isEqualTo(NS.name());
  }

  @Test
  void aReleaseSwitchesAndRollsBackUnderTheNamespacedRole() {
    AppRelease ar = Releases.backend(NS.name(), "1.0.0", 1);
    ar.getMetadata().setName("scoped");
    client().resource(ar).create();
    eventually(() -> {
      assertThat(activeColor("scoped")).isEqualTo("blue");
      assertThat(status(NS.name(), "scoped").phase).isEqualTo("Healthy");
    });
    Releases.update(client(), NS.name(), "scoped", r -> r.getSpec().version = "1.1.0");
    eventually(() -> assertThat(activeColor("scoped")).isEqualTo("green"));
    Releases.update(client(), NS.name(), "scoped", r -> r.getMetadata().getAnnotations().put(Labels.ROLLBACK, "scoped-1"));
    eventually(() -> {
      assertThat(activeColor("scoped")).isEqualTo("blue");
      assertThat(status(NS.name(), "scoped").phase).isEqualTo("RolledBack");
    });
  }

  @Test
  void aDatabaseBackupGetsItsCronJobAndAnOnDemandJob() throws Exception {
    DatabaseBackup b = BackupFixtures.sample(client(), NS.name(), "mongo-prod", "http://127.0.0.1:9", "scoped-bucket", "0 3 1 1 *");
    BackupFixtures.secret(client(), NS.name(), "mongodb", Map.of("MONGODB_URI", "mongodb://mongo:27017/"));
    BackupFixtures.secret(client(), NS.name(), "backup-s3", Map.of("AWS_ACCESS_KEY_ID", "k", "AWS_SECRET_ACCESS_KEY", "s"));
    b.getMetadata().setAnnotations(Map.of(Labels.BACKUP_NOW, "scoped-now"));
    client().resource(b).create();
    eventually(() -> {
      assertThat(client().batch().v1().cronjobs().inNamespace(NS.name()).withName(BackupJobFactory.cronJobName(b)).get()).isNotNull();
      assertThat(client().batch().v1().jobs().inNamespace(NS.name()).withLabel(Labels.BACKUP, "mongo-prod").list().getItems())
          .anySatisfy(j -> assertThat(j.getMetadata().getAnnotations()).containsEntry(Labels.BACKUP_NOW, "scoped-now"));
    });
  }

  @Test
  void aNamespaceItDoesNotWatchIsLeftAlone() throws Exception {
    AppRelease ar = Releases.backend(unwatched, "1.0.0", 1);
    ar.getMetadata().setName("elsewhere");
    client().resource(ar).create();
    // the scoped operator reconciles a release in its own namespace meanwhile: it is running, and ignores the other one
    AppRelease mine = Releases.backend(NS.name(), "1.0.0", 1);
    mine.getMetadata().setName("mine");
    client().resource(mine).create();
    eventually(() -> assertThat(status(NS.name(), "mine").phase).isEqualTo("Healthy"));
    assertThat(status(unwatched, "elsewhere")).as("no status in a namespace it does not watch").isNull();
    assertThat(client().apps().deployments().inNamespace(unwatched).list().getItems()).isEmpty();
    assertThat(scoped.isAlive()).isTrue();
  }
}
