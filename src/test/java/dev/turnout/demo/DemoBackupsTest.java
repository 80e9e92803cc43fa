package dev.turnout.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.turnout.backup.BackupJobFactory;
import dev.turnout.backup.DatabaseBackup;
import dev.turnout.restore.DatabaseRestore;
import dev.turnout.sim.EmbeddedCluster;
import dev.turnout.sim.JobResult;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo's Job runner runs the real agent for the Jobs the operator will create (built here by
 * BackupJobFactory from the sample's DatabaseBackup and DatabaseRestore), so step 5 of `make run` works as
 * soon as the operator creates the CronJob.
 */
class DemoBackupsTest {
  @TempDir Path tmp;

  @Test
  void runsBackupThenRestoreJobsOfTheSampleAgainstS3Proxy() throws Exception {
    try (EmbeddedCluster cluster = EmbeddedCluster.start();
        DemoBackups backups = new DemoBackups(cluster.client(), tmp)) {
      cluster.createNamespaces("auto-author", "auto-author-staging");
      DatabaseBackup backup = null;
      DatabaseRestore restore = null;
      for (String file : List.of("01-secrets.example.yaml", "30-backup.yaml", "40-restore-staging.yaml")) {
        try (InputStream in = Files.newInputStream(Path.of("k8s/examples", file))) {
          for (HasMetadata item : cluster.client().load(in).items()) {
            if (item instanceof Secret s) {
              if (s.getMetadata().getName().equals("backup-s3")) {
                s.getStringData().put("AWS_ACCESS_KEY_ID", backups.accessKey());
                s.getStringData().put("AWS_SECRET_ACCESS_KEY", backups.secretKey());
              }
              cluster.client().resource(s).create();
            } else if (item.getKind().equals("DatabaseBackup")) {
              backup = Serialization.jsonMapper().convertValue(item, DatabaseBackup.class);
            } else if (item.getKind().equals("DatabaseRestore")) {
              restore = Serialization.jsonMapper().convertValue(item, DatabaseRestore.class);
            }
          }
        }
      }
      backup.getSpec().storage.s3.endpoint = backups.endpoint();
      backup.getSpec().storage.s3.forcePathStyle = true;
      var settings = new BackupJobFactory.Settings("turnout:test", null);

      Job backupJob = BackupJobFactory.onDemandJob(backup, "t1", settings);
      assertThat(DemoBackups.isAgentJob(backupJob)).isTrue();
      JobResult result = backups.run(backupJob);
      assertThat(result.succeeded()).as(result.message()).isTrue();
      assertThat(backups.objects()).hasSize(2)
          .anyMatch(k -> k.startsWith("prod/") && k.endsWith(".archive.gz"))
          .anyMatch(k -> k.startsWith("prod/") && k.endsWith(".manifest.json"));

      Job restoreJob = BackupJobFactory.restoreJob(restore, backup.getSpec().storage, settings);
      assertThat(DemoBackups.isAgentJob(restoreJob)).isTrue();
      JobResult restored = backups.run(restoreJob);
      assertThat(restored.succeeded()).as(restored.message()).isTrue();
      // the sample's staging refresh: auto_author renamed into auto_author_staging, last week's copy replaced
      assertThat(backups.stagingCounts()).isEqualTo(java.util.Map.of("auto_author_staging.users", 5L, "auto_author_staging.books", 20L));
    }
  }
}
