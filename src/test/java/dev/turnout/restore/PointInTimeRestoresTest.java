package dev.turnout.restore;

import static org.assertj.core.api.Assertions.assertThat;

import dev.turnout.backup.BackupJobFactory;
import dev.turnout.backup.StorageSpec;
import dev.turnout.backup.catalog.BackupManifest;
import dev.turnout.common.SecretKeyRef;
import dev.turnout.restore.DatabaseRestoreSpec.PointInTime;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The operator's decisions for DatabaseRestore spec.pointInTime, over the manifest's pointInTime, as a table. */
class PointInTimeRestoresTest {
  static final BackupJobFactory.Settings SETTINGS = new BackupJobFactory.Settings("ghcr.io/turnout/agent:0.1.0", "turnout-backup");

  static DatabaseRestore restore(PointInTime mode, String scratch) {
    DatabaseRestore r = new DatabaseRestore();
    r.setMetadata(new ObjectMetaBuilder().withName("pit").withNamespace("staging").withUid("uid-9").build());
    DatabaseRestoreSpec s = new DatabaseRestoreSpec();
    s.object = "prod/2026-11-20T03-00-00Z.archive.gz";
    s.target = new DatabaseRestoreSpec.Target();
    s.target.uriSecretRef = new SecretKeyRef("mongodb-staging", "MONGODB_URI");
    s.pointInTime = mode;
    s.scratchSizeLimit = scratch;
    r.setSpec(s);
    return r;
  }

  static BackupManifest manifest(Boolean pointInTime) {
    BackupManifest m = new BackupManifest();
    m.pointInTime = pointInTime;
    m.topology = Boolean.TRUE.equals(pointInTime) ? "replicaSet" : "standalone";
    return m;
  }

  @ParameterizedTest(name = "spec {0}, manifest pointInTime {1}: replays {2}, refused {3}, /tmp {4}")
  @CsvSource({
    // spec         manifest  replays  refused  tmp
    "IfAvailable,   true,     true,    false,   10Gi",
    "IfAvailable,   false,    false,   false,   256Mi",
    "IfAvailable,   ,         false,   false,   256Mi", // manifest of an agent older than the field
    "Required,      true,     true,    false,   10Gi",
    "Required,      false,    false,   true,    256Mi",
    "Required,      ,         false,   true,    256Mi",
    "Off,           true,     false,   false,   256Mi",
    "Off,           false,    false,   false,   256Mi",
    ",              true,     true,    false,   10Gi", // unset (an object created before the field): IfAvailable
  })
  void decisions(PointInTime mode, Boolean manifestPointInTime, boolean replays, boolean refused, String tmp) {
    DatabaseRestoreSpec spec = restore(mode, null).getSpec();
    BackupManifest m = manifest(manifestPointInTime);
    assertThat(PointInTimeRestores.replays(spec, m)).isEqualTo(replays);
    assertThat(PointInTimeRestores.refusal(spec, m, "prod/x.archive.gz").isPresent()).isEqualTo(refused);
    assertThat(PointInTimeRestores.tmpSize(spec, replays)).isEqualTo(tmp);
  }

  @Test
  void theRefusalNamesTheFieldTheObjectAndTheTopology() {
    assertThat(PointInTimeRestores.refusal(restore(PointInTime.Required, null).getSpec(), manifest(false), "prod/x.archive.gz"))
        .hasValueSatisfying(m -> assertThat(m).contains("spec.pointInTime is Required", "prod/x.archive.gz",
            "topology standalone", "the target was not touched"));
  }

  @Test
  void theRestoreJobGetsTheModeAndScratchSpaceOnlyWhenItReplays() {
    DatabaseRestore r = restore(PointInTime.Required, "40Gi");
    Job job = BackupJobFactory.restoreJob(r, storage(), SETTINGS, r.getSpec().object, "ab".repeat(32),
        PointInTimeRestores.tmpSize(r.getSpec(), true));
    Map<String, String> env = job.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
        .filter(e -> e.getValue() != null).collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
    assertThat(env).containsEntry("POINT_IN_TIME", "Required");
    assertThat(tmp(job)).isEqualTo("40Gi");
    DatabaseRestore plain = restore(null, "40Gi");
    Job small = BackupJobFactory.restoreJob(plain, storage(), SETTINGS);
    assertThat(tmp(small)).isEqualTo("256Mi");
    assertThat(small.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv())
        .anyMatch(e -> e.getName().equals("POINT_IN_TIME") && "IfAvailable".equals(e.getValue()));
  }

  @Test
  void statusSaysWhetherTheRestoreReplayed() {
    DatabaseRestoreStatus status = new DatabaseRestoreStatus();
    AgentReport r = new AgentReport();
    assertThat(PointInTimeRestores.record(r, status)).isEmpty(); // an older agent: nothing said, nothing claimed
    assertThat(status.pointInTime).isNull();
    r.pointInTime = true;
    r.oplogEntries = 42L;
    assertThat(PointInTimeRestores.record(r, status)).isEqualTo(" as of the end of its dump (42 oplog entries replayed)");
    assertThat(status.pointInTime).isTrue();
    assertThat(status.oplogEntries).isEqualTo(42L);
    r.pointInTime = false;
    assertThat(PointInTimeRestores.record(r, status)).isEqualTo(" as dumped (no oplog replayed)");
    assertThat(status.oplogEntries).isNull();
  }

  static String tmp(Job job) {
    return job.getSpec().getTemplate().getSpec().getVolumes().stream().filter(v -> v.getName().equals("tmp")).findFirst()
        .orElseThrow().getEmptyDir().getSizeLimit().toString();
  }

  static StorageSpec storage() {
    StorageSpec st = new StorageSpec();
    st.s3 = new StorageSpec.S3Spec();
    st.s3.bucket = "auto-author-backups";
    st.s3.prefix = "prod/";
    st.s3.credentialsSecretRef = new StorageSpec.CredentialsRef();
    st.s3.credentialsSecretRef.name = "backup-s3";
    return st;
  }
}
