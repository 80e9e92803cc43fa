package dev.turnout.realtier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.turnout.backup.BackupJobFactory;
import dev.turnout.backup.DatabaseBackup;
import dev.turnout.backup.DatabaseBackupStatus;
import dev.turnout.backup.agent.FakeMongo;
import dev.turnout.backup.agent.S3TestServer;
import dev.turnout.backup.catalog.BackupCatalog;
import dev.turnout.backup.catalog.BackupKeys;
import dev.turnout.backup.catalog.BackupManifest;
import dev.turnout.common.Labels;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Issue 11 item 7 on the real tier: two DatabaseBackups on one bucket and prefix (retention: the newest backup of one
 * day each), backups by real Jobs running the agent. Each keeps its own newest backup and prunes only its own; each
 * manifest names its owner; both are flagged StorageShared naming the other; idle, nothing is written.
 */
class SharedPrefixRealIT {
  static final Duration WAIT = Duration.ofSeconds(60);
  @RegisterExtension static final RealNamespace NS = new RealNamespace();
  static S3TestServer s3server;
  static Path tmp;

  @BeforeAll
  static void start() throws Exception {
    s3server = new S3TestServer();
    tmp = Files.createTempDirectory("turnout-shared-prefix-real");
    BackupFixtures.secrets(client(), NS.name(), BackupRealIT.MONGO_URI);
  }

  @AfterAll
  static void stop() throws Exception {
    s3server.close();
  }

  static KubernetesClient client() {
    return NS.tier().admin();
  }

  @Test
  void twoDatabaseBackupsSharingAPrefixKeepTheirOwnRetention() throws Exception {
    String bucket = s3server.newBucket();
    for (String name : List.of("team-a", "team-b")) {
      DatabaseBackup b = BackupFixtures.sample(client(), NS.name(), name, s3server.endpoint(), bucket, "0 3 1 1 *");
      b.getSpec().retention.daily = 1;
      b.getSpec().retention.weekly = 0;
      b.getSpec().retention.monthly = 0;
      client().resource(b).create();
      FakeMongo fake = new FakeMongo(Files.createTempDirectory(tmp, name), FakeMongo.deterministicArchive(1, name.hashCode()));
      NS.tier().simulator().jobs().whenLabels(Map.of(BackupJobFactory.BACKUP_LABEL, name)).run(AgentPods.runner(client(), fake));
    }
    String a1 = backupNow("team-a", "a1");
    String b1 = backupNow("team-b", "b1");
    assertThat(BackupFixtures.keys(s3server, bucket)).as("the other's first backup pruned nothing").contains(a1, b1);
    String a2 = backupNow("team-a", "a2");
    String b2 = backupNow("team-b", "b2");

    BackupRealIT.eventually(WAIT, () -> {
      assertThat(status("team-a").backups).extracting(r -> r.object).containsExactly(a2);
      assertThat(status("team-b").backups).extracting(r -> r.object).containsExactly(b2);
      assertThat(archives(bucket)).containsExactlyInAnyOrder(a2, b2);
    });
    assertThat(prunedMessages("team-a")).singleElement().satisfies(m -> assertThat(m).contains(a1).doesNotContain(b1));
    assertThat(prunedMessages("team-b")).singleElement().satisfies(m -> assertThat(m).contains(b1).doesNotContain(a1));
    try (S3Client s3 = s3server.settings(bucket, "prod/").newClient()) {
      BackupManifest m = new BackupCatalog(s3, bucket, "prod/").readManifest(a2).orElseThrow();
      assertThat(m.owner.namespace).isEqualTo(NS.name());
      assertThat(m.owner.name).isEqualTo("team-a");
      assertThat(m.owner.uid).isEqualTo(backup("team-a").getMetadata().getUid());
    }
    for (String[] pair : new String[][] {{"team-a", "team-b"}, {"team-b", "team-a"}}) {
      BackupRealIT.eventually(WAIT, () -> {
        Condition shared = current(pair[0], "StorageShared");
        assertThat(shared.getStatus()).isEqualTo("True");
        assertThat(shared.getMessage()).contains("DatabaseBackup " + NS.name() + "/" + pair[1]);
      });
      assertThat(BackupFixtures.events(client(), NS.name(), pair[0]))
          .anySatisfy(e -> assertThat(e.getReason()).isEqualTo("StorageShared"));
    }

    IdleWrites.assertNone(NS.tier(), NS.name());
    assertThat(archives(bucket)).containsExactlyInAnyOrder(a2, b2);
  }

  /** One on-demand backup, waited for until it is the DatabaseBackup's newest verified backup; returns its key. */
  String backupNow(String name, String token) {
    String before = status(name).lastSuccessfulBackup == null ? null : status(name).lastSuccessfulBackup.object;
    // keys have one-second precision: the next backup, of either DatabaseBackup, must start in a later second
    Instant next = Instant.now().truncatedTo(ChronoUnit.SECONDS).plusSeconds(1);
    await().atMost(Duration.ofSeconds(2)).until(() -> !Instant.now().isBefore(next));
    await().atMost(WAIT).ignoreExceptionsInstanceOf(KubernetesClientException.class).until(() -> {
      DatabaseBackup b = backup(name);
      b.getMetadata().getAnnotations().put(Labels.BACKUP_NOW, token);
      client().resource(b).update();
      return true;
    });
    BackupRealIT.eventually(WAIT, () -> {
      DatabaseBackupStatus s = status(name);
      assertThat(s.lastSuccessfulBackup).isNotNull();
      assertThat(s.lastSuccessfulBackup.object).isNotEqualTo(before);
      assertThat(s.lastSuccessfulBackup.verified).isTrue();
    });
    return status(name).lastSuccessfulBackup.object;
  }

  List<String> archives(String bucket) {
    return BackupFixtures.keys(s3server, bucket).stream().filter(k -> BackupKeys.isArchiveKey("prod/", k)).toList();
  }

  List<String> prunedMessages(String name) {
    return BackupFixtures.events(client(), NS.name(), name).stream().filter(e -> "Pruned".equals(e.getReason()))
        .map(Event::getMessage).toList();
  }

  DatabaseBackup backup(String name) {
    return client().resources(DatabaseBackup.class).inNamespace(NS.name()).withName(name).get();
  }

  DatabaseBackupStatus status(String name) {
    DatabaseBackup b = backup(name);
    return b == null || b.getStatus() == null ? new DatabaseBackupStatus() : b.getStatus();
  }

  Condition current(String name, String type) {
    DatabaseBackup b = backup(name);
    return BackupFixtures.current(b.getStatus() == null ? List.of() : b.getStatus().conditions, type, b.getMetadata().getGeneration());
  }
}
