package dev.turnout.backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Encryption in the Jobs: SSE env, and the key Secret as a read-only volume (never env) in backup and restore Jobs. */
class EncryptionJobsTest {
  static StorageSpec encrypted() {
    StorageSpec st = BackupJobFactoryTest.storage();
    st.s3.serverSideEncryption = new StorageSpec.ServerSideEncryptionSpec();
    st.s3.serverSideEncryption.type = StorageSpec.SseType.AWS_KMS;
    st.s3.serverSideEncryption.kmsKeyId = "alias/turnout-backups";
    st.clientSideEncryption = new StorageSpec.ClientSideEncryption();
    st.clientSideEncryption.keySecretRef = new StorageSpec.SecretRef();
    st.clientSideEncryption.keySecretRef.name = "backup-keys";
    st.clientSideEncryption.keyId = "key-2026-12";
    return st;
  }

  static void assertKeysMounted(PodSpec pod) {
    Container c = pod.getContainers().get(0);
    Map<String, EnvVar> env = BackupJobFactoryTest.env(c);
    assertThat(env.get("ENCRYPTION_KEY_DIR").getValue()).isEqualTo(EncryptionJobs.KEY_DIR);
    assertThat(env.get("ENCRYPTION_KEY_ID").getValue()).isEqualTo("key-2026-12");
    assertThat(env.get("S3_SSE").getValue()).isEqualTo("aws:kms");
    assertThat(env.get("S3_SSE_KMS_KEY_ID").getValue()).isEqualTo("alias/turnout-backups");
    // the keys are files of a read-only Secret volume, never env (the tools inherit the agent's env)
    assertThat(env.values()).noneMatch(e -> e.getValueFrom() != null && e.getValueFrom().getSecretKeyRef() != null
        && "backup-keys".equals(e.getValueFrom().getSecretKeyRef().getName()));
    assertThat(c.getVolumeMounts()).anySatisfy(m -> {
      assertThat(m.getName()).isEqualTo(EncryptionJobs.KEY_VOLUME);
      assertThat(m.getMountPath()).isEqualTo(EncryptionJobs.KEY_DIR);
      assertThat(m.getReadOnly()).isTrue();
    });
    assertThat(pod.getVolumes()).anySatisfy(v -> {
      assertThat(v.getName()).isEqualTo(EncryptionJobs.KEY_VOLUME);
      assertThat(v.getSecret().getSecretName()).isEqualTo("backup-keys");
      assertThat(v.getSecret().getDefaultMode()).isEqualTo(0440);
      assertThat(pod.getSecurityContext().getFsGroup()).as("the key files' group: readable by the non-root agent").isEqualTo(10001L);
    });
    assertThat(c.getVolumeMounts()).anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/tmp")); // still there
  }

  @Test
  void backupCronJobOnDemandJobRestoreJobAndDrillJobMountTheKeySecret() {
    DatabaseBackup b = BackupJobFactoryTest.sample();
    b.getSpec().storage = encrypted();
    assertKeysMounted(BackupJobFactory.cronJob(b, BackupJobFactoryTest.SETTINGS).getSpec().getJobTemplate().getSpec().getTemplate().getSpec());
    assertKeysMounted(BackupJobFactory.onDemandJob(b, "t1", BackupJobFactoryTest.SETTINGS).getSpec().getTemplate().getSpec());
    assertKeysMounted(BackupJobFactory.restoreJob(BackupJobFactoryTest.sampleRestore(), encrypted(), BackupJobFactoryTest.SETTINGS)
        .getSpec().getTemplate().getSpec());
    // a restore drill reads the same encrypted archives
    b.getSpec().drill = new DrillSpec();
    b.getSpec().drill.schedule = "0 5 * * 0";
    assertKeysMounted(DrillJobs.jobSpec(b, BackupJobFactoryTest.SETTINGS).getTemplate().getSpec());
  }

  @Test
  void withoutEncryptionNothingIsAdded() {
    PodSpec pod = BackupJobFactory.cronJob(BackupJobFactoryTest.sample(), BackupJobFactoryTest.SETTINGS)
        .getSpec().getJobTemplate().getSpec().getTemplate().getSpec();
    assertThat(BackupJobFactoryTest.env(pod.getContainers().get(0)))
        .doesNotContainKeys("ENCRYPTION_KEY_DIR", "ENCRYPTION_KEY_ID", "S3_SSE", "S3_SSE_KMS_KEY_ID");
    assertThat(pod.getVolumes()).extracting(v -> v.getName()).containsExactly("tmp");
  }

  @Test
  void sseS3SendsOnlyTheType() {
    StorageSpec st = BackupJobFactoryTest.storage();
    st.s3.serverSideEncryption = new StorageSpec.ServerSideEncryptionSpec();
    st.s3.serverSideEncryption.type = StorageSpec.SseType.AES256;
    assertThat(EncryptionJobs.sseEnv(st.s3)).extracting(EnvVar::getName, EnvVar::getValue)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("S3_SSE", "AES256"));
  }
}
