package dev.turnout.realtier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.turnout.apprelease.AppRelease;
import dev.turnout.apprelease.AppReleaseStatus;
import dev.turnout.backup.DatabaseBackup;
import dev.turnout.common.Labels;
import dev.turnout.restore.DatabaseRestore;
import dev.turnout.testing.Releases;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ThrowingRunnable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kubectl plugin as a user installs and runs it: plugin/kubectl-turnout copied alone into a directory on PATH, run
 * as `kubectl turnout ...` by the real kubectl (its plugin discovery) against the real API server and the operator
 * under the chart's RBAC. Its actions are annotations (the generation, i.e. the spec, never changes) or a new
 * DatabaseRestore; status tells the release's story.
 */
class PluginRealIT {
  static final Duration WAIT = Duration.ofSeconds(60);
  @RegisterExtension static final RealNamespace NS = new RealNamespace();
  @TempDir Path tmp;

  KubernetesClient client() {
    return NS.tier().admin();
  }

  AppRelease release(String name) {
    return client().resources(AppRelease.class).inNamespace(NS.name()).withName(name).get();
  }

  void eventually(ThrowingRunnable assertion) {
    await().atMost(WAIT).pollInterval(Duration.ofMillis(250)).ignoreExceptionsInstanceOf(NullPointerException.class)
        .untilAsserted(assertion);
  }

  record Result(int exitCode, String stdout, String stderr) {}

  /** `kubectl turnout <args> -n <ns>` with only the copied plugin and kubectl on PATH. */
  Result turnout(String... args) throws Exception {
    Path bin = tmp.resolve("bin");
    if (!Files.exists(bin.resolve("kubectl-turnout"))) {
      Files.createDirectories(bin);
      Files.copy(Path.of("plugin/kubectl-turnout"), bin.resolve("kubectl-turnout"), StandardCopyOption.COPY_ATTRIBUTES);
    }
    List<String> cmd = new ArrayList<>(List.of(dev.turnout.realtier.ControlPlane.kubectl().toString(), "turnout"));
    cmd.addAll(List.of(args));
    cmd.addAll(List.of("-n", NS.name()));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put("PATH", bin + ":" + dev.turnout.realtier.ControlPlane.kubectl().getParent() + ":/usr/bin:/bin");
    pb.environment().put("KUBECONFIG", NS.tier().plane().adminKubeconfig().toString());
    Path out = tmp.resolve("out-" + System.nanoTime());
    Path err = tmp.resolve("err-" + System.nanoTime());
    Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
  }

  @Test
  void statusPromoteAndRollbackAsAUserRunsThem() throws Exception {
    AppRelease ar = Releases.backend(NS.name(), "1.0.0", 1);
    ar.getMetadata().setName("web");
    client().resource(ar).create();
    eventually(() -> assertThat(release("web").getStatus().phase).isEqualTo("Healthy"));
    Releases.update(client(), NS.name(), "web", r -> {
      r.getSpec().version = "1.1.0";
      r.getSpec().strategy.autoPromote = false;
    });
    eventually(() -> assertThat(release("web").getStatus().phase).isEqualTo("AwaitingPromotion"));

    Result status = turnout("status", "web");
    assertThat(status.exitCode()).as(status.stderr()).isZero();
    // kept for the README's example and for people reading a failed run
    Files.createDirectories(Path.of("target/real-tier"));
    Files.writeString(Path.of("target/real-tier/kubectl-turnout-status.txt"), status.stdout());
    assertThat(status.stdout())
        .contains("AppRelease " + NS.name() + "/web: AwaitingPromotion")
        .containsPattern("active +blue +revision 1 +version 1\\.0\\.0")
        .containsPattern("preview +green +current revision 2 +version 1\\.1\\.0 +Pending")
        .contains("RolloutComplete").contains("Promoted")
        .containsPattern("\\n +2 +1\\.1\\.0 +green +Pending")
        .containsPattern("\\n +1 +1\\.0\\.0 +blue +Promoted")
        .doesNotContain("<no value>");

    long generation = release("web").getMetadata().getGeneration();
    Result promote = turnout("promote", "web");
    assertThat(promote.exitCode()).as(promote.stderr()).isZero();
    eventually(() -> {
      AppReleaseStatus s = release("web").getStatus();
      assertThat(s.activeColor).isEqualTo("green");
      assertThat(s.phase).isEqualTo("Healthy");
      assertThat(s.lastPromoteToken).startsWith("kubectl-turnout-");
    });
    assertThat(release("web").getMetadata().getGeneration()).as("an annotation, not a spec change").isEqualTo(generation);

    Result rollback = turnout("rollback", "web");
    assertThat(rollback.exitCode()).as(rollback.stderr()).isZero();
    eventually(() -> {
      assertThat(release("web").getStatus().activeColor).isEqualTo("blue");
      assertThat(release("web").getStatus().phase).isEqualTo("RolledBack");
    });
    assertThat(release("web").getMetadata().getGeneration()).isEqualTo(generation);
    assertThat(turnout("status", "web").stdout()).contains(": RolledBack").containsPattern("active +blue");

    Result pause = turnout("pause", "web");
    assertThat(pause.exitCode()).isZero();
    assertThat(pause.stdout()).contains("spec.paused: true").contains("never writes it");
    assertThat(release("web").getMetadata().getGeneration()).isEqualTo(generation);
  }

  @Test
  void backupNowAnnotatesAndRestoreCreatesADatabaseRestore() throws Exception {
    DatabaseBackup b = BackupFixtures.sample(client(), NS.name(), "mongo-prod", "http://127.0.0.1:9", "plugin-bucket", "0 3 1 1 *");
    client().resource(b).create();
    long generation = client().resources(DatabaseBackup.class).inNamespace(NS.name()).withName("mongo-prod").get()
        .getMetadata().getGeneration();
    Result now = turnout("backup-now", "mongo-prod");
    assertThat(now.exitCode()).as(now.stderr()).isZero();
    DatabaseBackup after = client().resources(DatabaseBackup.class).inNamespace(NS.name()).withName("mongo-prod").get();
    assertThat(after.getMetadata().getAnnotations().get(Labels.BACKUP_NOW)).startsWith("kubectl-turnout-");
    assertThat(after.getMetadata().getGeneration()).isEqualTo(generation);

    Result restore = turnout("restore", "mongo-prod", "--target-secret", "mongodb-staging:URI", "--drop",
        "--ns-from", "auto_author.*", "--ns-to", "auto_author_staging.*", "--name", "refresh-staging");
    assertThat(restore.exitCode()).as(restore.stderr()).isZero();
    DatabaseRestore r = client().resources(DatabaseRestore.class).inNamespace(NS.name()).withName("refresh-staging").get();
    assertThat(r.getSpec().backupRef.name).isEqualTo("mongo-prod");
    assertThat(r.getSpec().object).isEqualTo("latest");
    assertThat(r.getSpec().target.uriSecretRef.name).isEqualTo("mongodb-staging");
    assertThat(r.getSpec().target.uriSecretRef.key).isEqualTo("URI");
    assertThat(r.getSpec().drop).isTrue();
    assertThat(r.getSpec().nsFrom).isEqualTo("auto_author.*");
    assertThat(r.getSpec().nsTo).isEqualTo("auto_author_staging.*");

    Result missing = turnout("restore", "no-such-backup", "--target-secret", "x");
    assertThat(missing.exitCode()).isNotZero();
    assertThat(missing.stderr()).contains("no-such-backup");
    Result unknown = turnout("frobnicate");
    assertThat(unknown.exitCode()).isEqualTo(2);
    assertThat(unknown.stderr()).contains("unknown command: frobnicate");
  }
}
