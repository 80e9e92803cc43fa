package dev.turnout.realtier;

import static java.time.temporal.ChronoUnit.DAYS;
import static java.time.temporal.ChronoUnit.HOURS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.turnout.backup.BackupJobFactory;
import dev.turnout.backup.DatabaseBackup;
import dev.turnout.backup.DatabaseBackupStatus;
import dev.turnout.backup.agent.AgentMain;
import dev.turnout.backup.agent.FakeMongo;
import dev.turnout.backup.agent.S3TestServer;
import dev.turnout.backup.catalog.BackupCatalog;
import dev.turnout.backup.catalog.BackupKeys;
import dev.turnout.backup.catalog.BackupManifest;
import dev.turnout.backup.retention.Retention;
import dev.turnout.common.Labels;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * GFS retention on the real tier: a bucket that already holds the agent's backups (written by the real agent with its
 * clock set to their times, as the CronJob's pods would have written them), a DatabaseBackup over it, then one fresh
 * backup by a real on-demand Job. The DatabaseBackup adopts the backups written under its name and prunes nothing on
 * its first look; after its own new verified backup the operator (chart RBAC, S3 through S3Proxy) must leave exactly
 * what {@link Retention#decide} keeps: archives and manifests of the others gone, the newest verified
 * backup and everything outside the layout or the prefix untouched.
 */
class RetentionRealIT {
  static final Duration WAIT = Duration.ofSeconds(60);
  static final int DAILY = 1;
  static final int WEEKLY = 2;
  static final int MONTHLY = 3;
  @RegisterExtension static final RealNamespace NS = new RealNamespace();
  static S3TestServer s3server;
  static Path tmp;

  enum Kind { VERIFIED, UNVERIFIED, FAILED_VERIFICATION }

  @BeforeAll
  static void startS3() throws Exception {
    s3server = new S3TestServer();
    tmp = Files.createTempDirectory("turnout-retention-real");
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
  void retentionLeavesExactlyWhatGfsKeepsAndTouchesNothingElse() throws Exception {
    String bucket = s3server.newBucket();
    DatabaseBackup gfs = BackupFixtures.sample(client(), NS.name(), "gfs", s3server.endpoint(), bucket, "0 3 1 1 *");
    gfs.getSpec().retention.daily = DAILY;
    gfs.getSpec().retention.weekly = WEEKLY;
    gfs.getSpec().retention.monthly = MONTHLY;
    ZoneId zone = ZoneId.of(gfs.getSpec().timeZone);

    // a year of history before the DatabaseBackup exists, each written by the agent at its time
    Instant today = Instant.now().truncatedTo(DAYS);
    seed(gfs, today.minus(1, DAYS).plus(3, HOURS), Kind.VERIFIED);
    seed(gfs, today.minus(1, DAYS).plus(1, HOURS), Kind.VERIFIED);
    seed(gfs, today.minus(2, DAYS).plus(3, HOURS), Kind.VERIFIED);
    seed(gfs, today.minus(4, DAYS).plus(3, HOURS), Kind.UNVERIFIED);
    seed(gfs, today.minus(5, DAYS).plus(3, HOURS), Kind.FAILED_VERIFICATION);
    seed(gfs, today.minus(9, DAYS).plus(3, HOURS), Kind.VERIFIED);
    seed(gfs, today.minus(40, DAYS).plus(3, HOURS), Kind.VERIFIED);
    seed(gfs, today.minus(70, DAYS).plus(3, HOURS), Kind.VERIFIED);
    seed(gfs, today.minus(130, DAYS).plus(3, HOURS), Kind.VERIFIED);
    // not this DatabaseBackup's: a backup in Turnout's layout under another prefix, and a file under its own prefix
    DatabaseBackup elsewhere = BackupFixtures.sample(client(), NS.name(), "elsewhere", s3server.endpoint(), bucket, "0 3 1 1 *");
    elsewhere.getSpec().storage.s3.prefix = "other/";
    seed(elsewhere, today.minus(400, DAYS), Kind.VERIFIED);
    try (S3Client s3 = s3client(bucket)) {
      s3.putObject(r -> r.bucket(bucket).key("prod/README.txt"), RequestBody.fromString("not a backup"));
    }
    List<String> foreign = keys(bucket).stream().filter(k -> !BackupKeys.baseOf("prod/", k).isPresent()).toList();
    assertThat(foreign).hasSize(3);

    List<Retention.Backup> seeded = catalog(bucket);
    assertThat(seeded).as("what the catalog lists of the seeded history").hasSize(9);
    assertThat(seeded.stream().filter(Retention.Backup::verified)).hasSize(7);

    // 1. created over that bucket: the backups written under its name are adopted and listed, and nothing is pruned
    // before a verified backup of its own (issue 11: retention never prunes on a DatabaseBackup's first look)
    List<String> before = keys(bucket);
    client().resource(gfs).create();
    BackupRealIT.eventually(WAIT, () -> {
      DatabaseBackupStatus s = status();
      assertThat(s.backups).as("status.backups").isNotNull();
      assertThat(s.backups.stream().map(b -> b.object).toList()).as("all adopted, newest first").isEqualTo(ids(seeded));
      assertThat(current("StorageReachable").getStatus()).isEqualTo("True");
    });
    assertThat(pruned()).as("nothing pruned on the first look").isEmpty();
    assertThat(keys(bucket)).isEqualTo(before);
    String newestSeeded = seeded.stream().filter(Retention.Backup::verified).map(Retention.Backup::id).sorted().reduce((a, b) -> b)
        .orElseThrow();

    // 2. one fresh backup by the real Job controller and the agent; pruning follows the new verified backup
    FakeMongo fake = new FakeMongo(Files.createTempDirectory(tmp, "fresh"), FakeMongo.deterministicArchive(1, 99));
    NS.tier().simulator().jobs().whenLabels(Map.of(BackupJobFactory.BACKUP_LABEL, "gfs")).run(AgentPods.runner(client(), fake));
    String jobName = backupNow("gfs", "fresh");
    BackupRealIT.eventually(WAIT, () -> {
      assertThat(BackupFixtures.complete(job(jobName))).as("Job " + jobName + " Complete").isTrue();
      assertThat(status().lastCheckedJob).isEqualTo(jobName);
      assertThat(current("LastBackupSucceeded").getStatus()).isEqualTo("True");
      assertThat(current("Verified").getStatus()).isEqualTo("True");
    });
    String fresh = status().lastSuccessfulBackup.object;
    assertThat(fresh).isNotEqualTo(newestSeeded);
    List<Retention.Backup> all = new ArrayList<>(seeded);
    all.add(new Retention.Backup(fresh, BackupKeys.timeOf("prod/", fresh).orElseThrow(), true));
    Retention.Decision second = Retention.decide(all, zone, DAILY, WEEKLY, MONTHLY, Instant.now());
    assertThat(second.prune()).as("the policy prunes some of the history").isNotEmpty();
    awaitRetention(second, 1);
    assertBucket(bucket, second, foreign);
    assertThat(keys(bucket)).as("the newest verified backup is never pruned").contains(fresh);
    try (S3Client s3 = s3client(bucket)) {
      assertThat(new BackupCatalog(s3, bucket, "prod/").latestVerified().orElseThrow().archiveKey()).isEqualTo(fresh);
      assertThat(s3.getObjectAsBytes(r -> r.bucket(bucket).key(fresh)).asByteArray()).isEqualTo(fake.archiveBytes);
    }

    IdleWrites.assertNone(NS.tier(), NS.name());
    assertThat(pruned()).as("nothing pruned again while idle").hasSize(1);
  }

  /** Waits for the operator's markers: status.backups is what the decision keeps; the Pruned Events name what it prunes. */
  void awaitRetention(Retention.Decision d, int prunedEvents) {
    BackupRealIT.eventually(WAIT, () -> {
      DatabaseBackupStatus s = status();
      assertThat(s.backups).as("status.backups").isNotNull();
      assertThat(s.backups.stream().map(b -> b.object).toList()).as("status.backups, newest first").isEqualTo(ids(d.keep()));
      List<Event> pruned = pruned();
      assertThat(pruned).hasSize(prunedEvents);
      if (!d.prune().isEmpty()) {
        assertThat(pruned).anySatisfy(e -> assertThat(prunedKeys(e)).isEqualTo(new TreeSet<>(ids(d.prune()))));
      }
    });
  }

  /** Exactly the kept backups' archives and manifests, and the foreign objects, are in the bucket. */
  void assertBucket(String bucket, Retention.Decision d, List<String> foreign) {
    Set<String> expected = new TreeSet<>(foreign);
    d.keep().forEach(b -> expected.addAll(List.of(b.id(), BackupKeys.manifestKeyForArchive(b.id()))));
    assertThat(keys(bucket)).as("the bucket after retention").containsExactlyElementsOf(expected);
    for (Retention.Backup b : d.prune()) {
      assertThat(keys(bucket)).as("pruned " + b.id() + ": archive, manifest and marker")
          .doesNotContain(b.id(), BackupKeys.manifestKeyForArchive(b.id()), BackupKeys.verifiedKeyForArchive(b.id()));
    }
  }

  /**
   * Runs the real agent as a pod of the DatabaseBackup's CronJob scheduled at {@code at} would (the env the Job's
   * template gives it, JOB_NAME as the CronJob controller names Jobs), with its clock at {@code at}.
   */
  void seed(DatabaseBackup b, Instant at, Kind kind) throws Exception {
    CronJob cron = BackupJobFactory.cronJob(b, new BackupJobFactory.Settings("agent:1", null));
    Job job = new JobBuilder().withNewMetadata().withNamespace(NS.name())
        .withName(cron.getMetadata().getName() + "-" + at.getEpochSecond() / 60).endMetadata()
        .withSpec(cron.getSpec().getJobTemplate().getSpec()).build();
    Map<String, String> env = AgentPods.env(job, ref -> AgentPods.secretValue(client(), NS.name(), ref.getName(), ref.getKey()));
    FakeMongo fake = new FakeMongo(Files.createTempDirectory(tmp, "seed"), FakeMongo.deterministicArchive(1, at.getEpochSecond()));
    env.put("MONGO_SERVER_SELECTION_TIMEOUT_MS", "2000"); // no server at the samples' host: fail fast
    env.put("MONGODUMP", fake.mongodump(-1).toString());
    env.put("S3_PART_SIZE_MB", "5");
    List<String> command = AgentPods.container(job).getCommand();
    assertThat(command.get(command.size() - 1)).isEqualTo("backup-and-verify");
    String key = BackupKeys.archiveKey(env.get("S3_PREFIX"), at);
    switch (kind) {
      case VERIFIED -> agent("backup-and-verify", env, at, 0);
      case UNVERIFIED -> agent("backup", env, at, 0);
      case FAILED_VERIFICATION -> {
        agent("backup", env, at, 0);
        try (S3Client s3 = s3client(b.getSpec().storage.s3.bucket)) {
          s3.putObject(r -> r.bucket(b.getSpec().storage.s3.bucket).key(key), RequestBody.fromBytes(new byte[] {1, 2, 3}));
        }
        env.put("OBJECT", key);
        agent("verify", env, at.plus(Duration.ofMinutes(5)), 1);
      }
    }
    try (S3Client s3 = s3client(b.getSpec().storage.s3.bucket)) {
      BackupManifest m = new BackupCatalog(s3, b.getSpec().storage.s3.bucket, env.get("S3_PREFIX")).readManifest(key).orElseThrow();
      assertThat(m.job).isEqualTo(job.getMetadata().getName());
      assertThat(m.verified).isEqualTo(switch (kind) {
        case VERIFIED -> Boolean.TRUE;
        case UNVERIFIED -> null;
        case FAILED_VERIFICATION -> Boolean.FALSE;
      });
    }
  }

  static void agent(String command, Map<String, String> env, Instant at, int expectedExit) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int rc = AgentMain.run(new String[] {command}, env, Clock.fixed(at, ZoneOffset.UTC), new PrintStream(out, true),
        new PrintStream(out, true));
    assertThat(rc).as("agent %s at %s: %s", command, at, out.toString(StandardCharsets.UTF_8)).isEqualTo(expectedExit);
  }

  static List<Retention.Backup> catalog(String bucket) {
    try (S3Client s3 = s3client(bucket)) {
      return new BackupCatalog(s3, bucket, "prod/").list().stream()
          .map(e -> new Retention.Backup(e.archiveKey(), e.time(), e.verified())).toList();
    }
  }

  static S3Client s3client(String bucket) {
    return s3server.settings(bucket, "prod/").newClient();
  }

  static List<String> keys(String bucket) {
    return BackupFixtures.keys(s3server, bucket);
  }

  static List<String> ids(List<Retention.Backup> backups) {
    return backups.stream().map(Retention.Backup::id).toList();
  }

  List<Event> pruned() {
    return BackupFixtures.events(client(), NS.name(), "gfs").stream().filter(e -> "Pruned".equals(e.getReason())).toList();
  }

  /** "retention deleted 2 backup(s): prod/a.archive.gz, prod/b.archive.gz" -> the keys. */
  static Set<String> prunedKeys(Event e) {
    String list = e.getMessage().substring(e.getMessage().indexOf(": ") + 2);
    return Arrays.stream(list.split(", ")).collect(Collectors.toCollection(TreeSet::new));
  }

  DatabaseBackup backup() {
    return client().resources(DatabaseBackup.class).inNamespace(NS.name()).withName("gfs").get();
  }

  DatabaseBackupStatus status() {
    DatabaseBackup b = backup();
    return b == null || b.getStatus() == null ? new DatabaseBackupStatus() : b.getStatus();
  }

  Condition current(String type) {
    DatabaseBackup b = backup();
    return BackupFixtures.current(b.getStatus() == null ? List.of() : b.getStatus().conditions, type, b.getMetadata().getGeneration());
  }

  Job job(String name) {
    return client().batch().v1().jobs().inNamespace(NS.name()).withName(name).get();
  }

  String backupNow(String name, String token) {
    await().atMost(WAIT).ignoreExceptionsInstanceOf(KubernetesClientException.class).until(() -> {
      DatabaseBackup b = backup();
      b.getMetadata().getAnnotations().put(Labels.BACKUP_NOW, token);
      client().resource(b).update();
      return true;
    });
    return BackupJobFactory.onDemandJobName(backup(), token);
  }
}
