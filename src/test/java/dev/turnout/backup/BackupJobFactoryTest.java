package dev.turnout.backup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.turnout.common.SecretKeyRef;
import dev.turnout.restore.DatabaseRestore;
import dev.turnout.restore.DatabaseRestoreSpec;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobSpec;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class BackupJobFactoryTest {
  static final BackupJobFactory.Settings SETTINGS =
      new BackupJobFactory.Settings("ghcr.io/turnout/agent:0.1.0", "turnout-backup");

  /** The sample DatabaseBackup of api.md. */
  static DatabaseBackup sample() {
    DatabaseBackup b = new DatabaseBackup();
    b.setMetadata(new ObjectMetaBuilder().withName("mongo-prod").withNamespace("auto-author").withUid("uid-1").build());
    DatabaseBackupSpec s = new DatabaseBackupSpec();
    s.mongodb = new DatabaseBackupSpec.MongoSpec();
    s.mongodb.uriSecretRef = new SecretKeyRef("mongodb", "MONGODB_URI");
    s.mongodb.databases = List.of();
    s.schedule = "0 3 * * *";
    s.timeZone = "Etc/UTC";
    s.suspend = false;
    s.storage = storage();
    s.retention = new DatabaseBackupSpec.RetentionSpec();
    s.verify = new DatabaseBackupSpec.VerifySpec();
    s.verify.mode = DatabaseBackupSpec.VerifyMode.Checksum;
    s.startingDeadlineSeconds = 3600L;
    s.activeDeadlineSeconds = 7200L;
    s.resources = new ResourceRequirementsBuilder().addToRequests("memory", new Quantity("256Mi")).build();
    b.setSpec(s);
    return b;
  }

  static StorageSpec storage() {
    StorageSpec st = new StorageSpec();
    st.s3 = new StorageSpec.S3Spec();
    st.s3.endpoint = "https://s3.eu-west-1.amazonaws.com";
    st.s3.region = "eu-west-1";
    st.s3.bucket = "auto-author-backups";
    st.s3.prefix = "prod/";
    st.s3.forcePathStyle = false;
    st.s3.credentialsSecretRef = new StorageSpec.CredentialsRef();
    st.s3.credentialsSecretRef.name = "backup-s3";
    st.s3.credentialsSecretRef.accessKeyIdKey = "AWS_ACCESS_KEY_ID";
    st.s3.credentialsSecretRef.secretAccessKeyKey = "AWS_SECRET_ACCESS_KEY";
    return st;
  }

  static Map<String, EnvVar> env(Container c) {
    return c.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, e -> e));
  }

  static void assertSecret(EnvVar e, String secret, String key) {
    assertThat(e.getValue()).isNull();
    assertThat(e.getValueFrom().getSecretKeyRef().getName()).isEqualTo(secret);
    assertThat(e.getValueFrom().getSecretKeyRef().getKey()).isEqualTo(key);
  }

  static void assertBackupPod(PodSpec pod) {
    assertThat(pod.getRestartPolicy()).isEqualTo("Never");
    assertThat(pod.getServiceAccountName()).isEqualTo("turnout-backup");
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getVolumes()).singleElement().satisfies(v -> {
      assertThat(v.getName()).isEqualTo("tmp");
      assertThat(v.getEmptyDir()).isNotNull();
    });
    Container c = pod.getContainers().get(0);
    assertThat(pod.getContainers()).hasSize(1);
    assertThat(c.getImage()).isEqualTo("ghcr.io/turnout/agent:0.1.0");
    assertThat(c.getCommand())
        .containsExactly(
            "java", "-cp", "/deployments/app/*:/deployments/lib/main/*", "dev.turnout.backup.agent.AgentMain",
            "backup-and-verify");
    assertThat(c.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(c.getVolumeMounts()).singleElement().satisfies(m -> assertThat(m.getMountPath()).isEqualTo("/tmp"));
    assertThat(c.getResources().getRequests()).containsEntry("memory", new Quantity("256Mi"));
    Map<String, EnvVar> env = env(c);
    assertSecret(env.get("MONGODB_URI"), "mongodb", "MONGODB_URI");
    assertSecret(env.get("AWS_ACCESS_KEY_ID"), "backup-s3", "AWS_ACCESS_KEY_ID");
    assertSecret(env.get("AWS_SECRET_ACCESS_KEY"), "backup-s3", "AWS_SECRET_ACCESS_KEY");
    assertThat(env.get("S3_ENDPOINT").getValue()).isEqualTo("https://s3.eu-west-1.amazonaws.com");
    assertThat(env.get("S3_REGION").getValue()).isEqualTo("eu-west-1");
    assertThat(env.get("S3_BUCKET").getValue()).isEqualTo("auto-author-backups");
    assertThat(env.get("S3_PREFIX").getValue()).isEqualTo("prod/");
    assertThat(env.get("S3_FORCE_PATH_STYLE").getValue()).isEqualTo("false");
    assertThat(env.get("DATABASES").getValue()).isEmpty();
    assertThat(env.get("VERIFY_MODE").getValue()).isEqualTo("Checksum");
    assertThat(env.get("TIME_ZONE").getValue()).isEqualTo("Etc/UTC");
    // the Job's name from the pod's job-name label: the agent records it in the manifest (see BackupVerdict)
    assertThat(env.get("JOB_NAME").getValue()).isNull();
    assertThat(env.get("JOB_NAME").getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.labels['job-name']");
    assertThat(env.get("TERMINATION_MESSAGE_PATH").getValue()).isEqualTo("/dev/termination-log");
    // the DatabaseBackup the manifest names as owner (issue 11 item 7): literal values from its metadata
    assertThat(env.get("OWNER_NAMESPACE").getValue()).isEqualTo("auto-author");
    assertThat(env.get("OWNER_NAME").getValue()).isEqualTo("mongo-prod");
    assertThat(env.get("OWNER_UID").getValue()).isEqualTo("uid-1");
    assertThat(env).hasSize(16);
  }

  @Test
  void sampleCronJob() {
    CronJob cj = BackupJobFactory.cronJob(sample(), SETTINGS);
    assertThat(cj.getMetadata().getName()).isEqualTo("mongo-prod-backup");
    assertThat(cj.getMetadata().getNamespace()).isEqualTo("auto-author");
    assertThat(cj.getMetadata().getLabels())
        .containsExactlyInAnyOrderEntriesOf(Map.of("app.kubernetes.io/managed-by", "turnout", "turnout.dev/backup", "mongo-prod"));
    assertThat(cj.getMetadata().getOwnerReferences()).singleElement().satisfies(o -> {
      assertThat(o.getKind()).isEqualTo("DatabaseBackup");
      assertThat(o.getApiVersion()).isEqualTo("turnout.dev/v1alpha1");
      assertThat(o.getUid()).isEqualTo("uid-1");
      assertThat(o.getController()).isTrue();
    });
    assertThat(cj.getSpec().getSchedule()).isEqualTo("0 3 * * *");
    assertThat(cj.getSpec().getTimeZone()).isEqualTo("Etc/UTC");
    assertThat(cj.getSpec().getConcurrencyPolicy()).isEqualTo("Forbid");
    assertThat(cj.getSpec().getStartingDeadlineSeconds()).isEqualTo(3600L);
    assertThat(cj.getSpec().getSuccessfulJobsHistoryLimit()).isEqualTo(3);
    assertThat(cj.getSpec().getFailedJobsHistoryLimit()).isEqualTo(5);
    assertThat(cj.getSpec().getSuspend()).isFalse();
    var job = cj.getSpec().getJobTemplate().getSpec();
    assertThat(cj.getSpec().getJobTemplate().getMetadata().getLabels()).containsEntry("turnout.dev/backup", "mongo-prod");
    assertThat(job.getBackoffLimit()).isEqualTo(1);
    assertThat(job.getActiveDeadlineSeconds()).isEqualTo(7200L);
    assertBackupPod(job.getTemplate().getSpec());
  }

  @Test
  void defaultsAndSuspend() {
    DatabaseBackup b = sample();
    b.getSpec().timeZone = null;
    b.getSpec().suspend = true;
    b.getSpec().verify = null;
    b.getSpec().mongodb.databases = List.of("auto_author");
    CronJob cj = BackupJobFactory.cronJob(b, SETTINGS);
    assertThat(cj.getSpec().getTimeZone()).isEqualTo("Etc/UTC");
    assertThat(cj.getSpec().getSuspend()).isTrue();
    Map<String, EnvVar> env = env(cj.getSpec().getJobTemplate().getSpec().getTemplate().getSpec().getContainers().get(0));
    assertThat(env.get("VERIFY_MODE").getValue()).isEqualTo("Checksum");
    assertThat(env.get("DATABASES").getValue()).isEqualTo("auto_author");
  }

  @Test
  void onDemandJobUsesTheSameTemplate() {
    DatabaseBackup b = sample();
    Job job = BackupJobFactory.onDemandJob(b, "2026-11-25-1", SETTINGS);
    assertThat(job.getMetadata().getName())
        .isEqualTo("mongo-prod-now-" + BackupJobFactory.sha256Hex("2026-11-25-1").substring(0, 10))
        .matches("mongo-prod-now-[0-9a-f]{10}");
    assertThat(job.getMetadata().getLabels()).containsEntry("turnout.dev/backup", "mongo-prod");
    assertThat(job.getMetadata().getAnnotations()).containsEntry("turnout.dev/backup-now", "2026-11-25-1");
    JobSpec withoutTtl = io.fabric8.kubernetes.client.utils.Serialization.clone(job.getSpec());
    withoutTtl.setTtlSecondsAfterFinished(null);
    assertThat(withoutTtl).isEqualTo(BackupJobFactory.cronJob(b, SETTINGS).getSpec().getJobTemplate().getSpec());
    assertBackupPod(job.getSpec().getTemplate().getSpec());
    assertThat(BackupJobFactory.onDemandJob(b, "other", SETTINGS).getMetadata().getName())
        .isNotEqualTo(job.getMetadata().getName());
  }

  @Test
  void restoreJob() {
    DatabaseRestore r = new DatabaseRestore();
    r.setMetadata(new ObjectMetaBuilder().withName("restore-2026-11-20").withNamespace("auto-author-staging").build());
    DatabaseRestoreSpec s = new DatabaseRestoreSpec();
    s.object = "prod/2026-11-20T03-00-00Z.archive.gz";
    s.target = new DatabaseRestoreSpec.Target();
    s.target.uriSecretRef = new SecretKeyRef("mongodb-staging", "MONGODB_URI");
    s.drop = true;
    s.nsFrom = "auto_author.*";
    s.nsTo = "auto_author_staging.*";
    r.setSpec(s);
    Job job = BackupJobFactory.restoreJob(r, storage(), SETTINGS);
    assertThat(job.getMetadata().getName()).isEqualTo("restore-2026-11-20-restore");
    assertThat(job.getMetadata().getLabels()).containsEntry("turnout.dev/restore", "restore-2026-11-20");
    assertThat(job.getSpec().getBackoffLimit()).isZero();
    Container c = job.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(c.getCommand()).endsWith("restore");
    Map<String, EnvVar> env = env(c);
    assertSecret(env.get("MONGODB_URI"), "mongodb-staging", "MONGODB_URI");
    assertSecret(env.get("AWS_SECRET_ACCESS_KEY"), "backup-s3", "AWS_SECRET_ACCESS_KEY");
    assertThat(env.get("OBJECT").getValue()).isEqualTo("prod/2026-11-20T03-00-00Z.archive.gz");
    assertThat(env.get("DROP").getValue()).isEqualTo("true");
    assertThat(env.get("NS_FROM").getValue()).isEqualTo("auto_author.*");
    assertThat(env.get("NS_TO").getValue()).isEqualTo("auto_author_staging.*");
    assertThat(job.getSpec().getTemplate().getSpec().getRestartPolicy()).isEqualTo("Never");
  }

  static DatabaseRestore sampleRestore() {
    DatabaseRestore r = new DatabaseRestore();
    r.setMetadata(new ObjectMetaBuilder().withName("restore-2026-11-20").withNamespace("auto-author-staging").build());
    DatabaseRestoreSpec s = new DatabaseRestoreSpec();
    s.object = "prod/2026-11-20T03-00-00Z.archive.gz";
    s.target = new DatabaseRestoreSpec.Target();
    s.target.uriSecretRef = new SecretKeyRef("mongodb-staging", "MONGODB_URI");
    r.setSpec(s);
    return r;
  }

  /** Issue 11 item 8: scheduled Jobs are bounded by the CronJob's history limits, on-demand ones by a TTL. */
  @Test
  void onDemandJobsAreDeletedSevenDaysAfterTheyFinishScheduledOnesByHistoryLimits() {
    DatabaseBackup b = sample();
    assertThat(BackupJobFactory.onDemandJob(b, "t1", SETTINGS).getSpec().getTtlSecondsAfterFinished()).isEqualTo(7 * 24 * 3600);
    CronJob cj = BackupJobFactory.cronJob(b, SETTINGS);
    assertThat(cj.getSpec().getJobTemplate().getSpec().getTtlSecondsAfterFinished())
        .as("the CronJob's successfulJobsHistoryLimit/failedJobsHistoryLimit bound scheduled Jobs").isNull();
  }

  /** Issue 11 (contract): the agent writes its result to /dev/termination-log; killed first, its log's tail stands in. */
  @Test
  void everyJobContainerReportsItsResultAsTerminationMessage() {
    List<Container> containers = List.of(
        BackupJobFactory.cronJob(sample(), SETTINGS).getSpec().getJobTemplate().getSpec().getTemplate().getSpec().getContainers().get(0),
        BackupJobFactory.onDemandJob(sample(), "t", SETTINGS).getSpec().getTemplate().getSpec().getContainers().get(0),
        BackupJobFactory.restoreJob(sampleRestore(), storage(), SETTINGS).getSpec().getTemplate().getSpec().getContainers().get(0));
    assertThat(containers).allSatisfy(c -> {
      assertThat(c.getTerminationMessagePolicy()).isEqualTo("FallbackToLogsOnError");
      assertThat(c.getTerminationMessagePath()).isEqualTo("/dev/termination-log");
      assertThat(env(c).get("TERMINATION_MESSAGE_PATH").getValue()).isEqualTo("/dev/termination-log");
    });
  }

  /** Issue 11 item 6: exit code 2 (bad settings) fails the Job at once instead of retrying it backoffLimit times. */
  @Test
  void exitCodeTwoFailsTheJobWithoutRetries() {
    for (JobSpec spec : List.of(BackupJobFactory.cronJob(sample(), SETTINGS).getSpec().getJobTemplate().getSpec(),
        BackupJobFactory.restoreJob(sampleRestore(), storage(), SETTINGS).getSpec())) {
      assertThat(spec.getPodFailurePolicy().getRules()).singleElement().satisfies(r -> {
        assertThat(r.getAction()).isEqualTo("FailJob");
        assertThat(r.getOnExitCodes().getContainerName()).isEqualTo("agent");
        assertThat(r.getOnExitCodes().getOperator()).isEqualTo("In");
        assertThat(r.getOnExitCodes().getValues()).containsExactly(2);
      });
    }
  }

  /** Issue 11 item 13: the Jobs get jobCredentialsSecretRef when set (no delete); the operator keeps credentialsSecretRef. */
  @Test
  void jobsUseTheJobCredentialsWhenSet() {
    DatabaseBackup b = sample();
    b.getSpec().storage.s3.jobCredentialsSecretRef = new StorageSpec.CredentialsRef();
    b.getSpec().storage.s3.jobCredentialsSecretRef.name = "backup-s3-writer";
    b.getSpec().storage.s3.jobCredentialsSecretRef.secretAccessKeyKey = "secret";
    Map<String, EnvVar> backupEnv =
        env(BackupJobFactory.cronJob(b, SETTINGS).getSpec().getJobTemplate().getSpec().getTemplate().getSpec().getContainers().get(0));
    assertSecret(backupEnv.get("AWS_ACCESS_KEY_ID"), "backup-s3-writer", "AWS_ACCESS_KEY_ID");
    assertSecret(backupEnv.get("AWS_SECRET_ACCESS_KEY"), "backup-s3-writer", "secret");
    Map<String, EnvVar> restoreEnv =
        env(BackupJobFactory.restoreJob(sampleRestore(), b.getSpec().storage, SETTINGS).getSpec().getTemplate().getSpec().getContainers().get(0));
    assertSecret(restoreEnv.get("AWS_SECRET_ACCESS_KEY"), "backup-s3-writer", "secret");
    assertThat(b.getSpec().storage.s3.credentialsSecretRef.name).as("the operator's, for listing and pruning").isEqualTo("backup-s3");
    // unset: the Jobs use credentialsSecretRef, as before
    assertSecret(env(BackupJobFactory.onDemandJob(sample(), "t", SETTINGS).getSpec().getTemplate().getSpec().getContainers().get(0))
        .get("AWS_SECRET_ACCESS_KEY"), "backup-s3", "AWS_SECRET_ACCESS_KEY");
  }

  /** Issue 11 item 7: a restore Job of a backupRef names that DatabaseBackup, so the agent's "latest" is its own. */
  @Test
  void restoreJobOfABackupRefNamesItsOwner() {
    DatabaseRestore r = new DatabaseRestore();
    r.setMetadata(new ObjectMetaBuilder().withName("restore-latest").withNamespace("auto-author-staging").build());
    DatabaseRestoreSpec s = new DatabaseRestoreSpec();
    s.object = "latest";
    s.backupRef = new DatabaseRestoreSpec.BackupRef();
    s.backupRef.name = "mongo-prod";
    s.backupRef.namespace = "auto-author";
    s.target = new DatabaseRestoreSpec.Target();
    s.target.uriSecretRef = new SecretKeyRef("mongodb-staging", "MONGODB_URI");
    r.setSpec(s);
    Map<String, EnvVar> env = env(BackupJobFactory.restoreJob(r, storage(), SETTINGS).getSpec().getTemplate().getSpec().getContainers().get(0));
    assertThat(env.get("OWNER_NAMESPACE").getValue()).isEqualTo("auto-author");
    assertThat(env.get("OWNER_NAME").getValue()).isEqualTo("mongo-prod");
    s.backupRef = null;
    s.storage = storage();
    assertThat(env(BackupJobFactory.restoreJob(r, storage(), SETTINGS).getSpec().getTemplate().getSpec().getContainers().get(0)))
        .doesNotContainKeys("OWNER_NAMESPACE", "OWNER_NAME");
  }

  /** Issue 11 item 5: /tmp is bounded; RestoreTest's throwaway mongod gets scratchSizeLimit (default 10Gi). */
  @Test
  void tmpIsBoundedAndRestoreTestGetsItsScratchSize() {
    java.util.function.Function<JobSpec, String> tmp = spec -> spec.getTemplate().getSpec().getVolumes().stream()
        .filter(v -> v.getName().equals("tmp")).findFirst().orElseThrow().getEmptyDir().getSizeLimit().toString();
    DatabaseBackup b = sample();
    assertThat(tmp.apply(BackupJobFactory.cronJob(b, SETTINGS).getSpec().getJobTemplate().getSpec())).isEqualTo("256Mi");
    assertThat(tmp.apply(BackupJobFactory.restoreJob(sampleRestore(), storage(), SETTINGS).getSpec())).isEqualTo("256Mi");
    b.getSpec().verify = new DatabaseBackupSpec.VerifySpec();
    b.getSpec().verify.mode = DatabaseBackupSpec.VerifyMode.RestoreTest;
    assertThat(tmp.apply(BackupJobFactory.onDemandJob(b, "t", SETTINGS).getSpec())).isEqualTo("10Gi");
    b.getSpec().verify.scratchSizeLimit = "50Gi";
    assertThat(tmp.apply(BackupJobFactory.cronJob(b, SETTINGS).getSpec().getJobTemplate().getSpec())).isEqualTo("50Gi");
  }
}
