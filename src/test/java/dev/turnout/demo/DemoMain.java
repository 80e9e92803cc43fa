package dev.turnout.demo;

import dev.turnout.testing.OperatorProcess;
import com.sun.net.httpserver.HttpHandler;
import dev.turnout.apprelease.AppRelease;
import dev.turnout.apprelease.AppReleaseStatus;
import dev.turnout.apprelease.RevisionRecord;
import dev.turnout.backup.DatabaseBackup;
import dev.turnout.healthpolicy.CheckSpec;
import dev.turnout.healthpolicy.HealthPolicy;
import dev.turnout.restore.DatabaseRestore;
import dev.turnout.sim.ClusterSimulator;
import dev.turnout.sim.EmbeddedCluster;
import dev.turnout.sim.FastApiBackend;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.Socket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * {@code make run}: the real operator (target/quarkus-app/quarkus-run.jar, as a child process) against an
 * embedded Kubernetes API with the cluster simulator, the sample app from k8s/examples and a scripted
 * scenario, printed as a timeline. Options (system properties): {@code turnout.demo.jar} (the operator
 * jar), {@code turnout.demo.stay=true} (keep running at the end, for kubectl).
 */
public final class DemoMain {
  static final String NS = "auto-author";
  static final String STAGING = "auto-author-staging";
  static final String ORIGIN = "https://dev.autoauthor.app";
  static final Path KUBECONFIG = Path.of("target/embedded/kubeconfig");
  static final Path OPERATOR_LOG = Path.of("target/embedded/operator.log");

  /** Held so the level sticks: the mock API server logs every request at INFO. */
  private static final java.util.logging.Logger MOCK_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

  private final Instant start = Instant.now();
  private final Timeline timeline = new Timeline(start, Set.of(NS, STAGING));
  private final FastApiBackend blueApi = new FastApiBackend(ORIGIN);
  private final FastApiBackend greenApi = new FastApiBackend(ORIGIN);
  private final List<String> notes = new ArrayList<>();
  /** Reasons of the gates the demo had to remove because the operator build lacks them. */
  private EmbeddedCluster cluster;
  private ClusterSimulator sim;
  private KubernetesClient client;
  private DemoBackups backups;
  private OperatorProcess operator;
  private int mongoPort;

  public static void main(String[] args) throws Exception {
    int rc;
    try {
      rc = new DemoMain().run();
    } catch (Exception e) {
      System.out.println("demo failed: " + e);
      e.printStackTrace(System.out);
      rc = 1;
    }
    System.exit(rc);
  }

  int run() throws Exception {
    Path jar = Path.of(System.getProperty("turnout.demo.jar", "target/quarkus-app/quarkus-run.jar"));
    if (!Files.isRegularFile(jar)) {
      System.out.println("operator jar " + jar + " not found: run `make build` (mvn -B -q package -DskipTests) first");
      return 2;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(this::stop, "demo-shutdown"));

    System.out.println("Turnout demo: the operator from " + jar + " against an embedded Kubernetes API");
    MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
    cluster = EmbeddedCluster.start();
    cluster.applyCrds(Path.of("crds"));
    cluster.createNamespaces(NS, STAGING, "turnout-system");
    client = cluster.client();
    sim = ClusterSimulator.builder(client).readyDelay(Duration.ofMillis(1500)).start();
    cluster.writeKubeconfig(KUBECONFIG, "turnout-system");
    System.out.println("Embedded API " + cluster.url() + ", kubeconfig " + KUBECONFIG.toAbsolutePath());

    timeline.watch(client);
    startOperator(jar);

    // what runs "inside" the pods and Jobs
    sim.serve(NS, Map.of("app.kubernetes.io/instance", "backend", "turnout.dev/color", "blue"), blueApi);
    sim.serve(NS, Map.of("app.kubernetes.io/instance", "backend", "turnout.dev/color", "green"), greenApi);
    sim.serve(NS, Map.of("app.kubernetes.io/instance", "frontend"), nextJs());
    mongoPort = startMongoStandIn();
    backups = new DemoBackups(client, Path.of("target/embedded/fake-mongo"));
    sim.jobs().when(DemoBackups::isAgentJob).run(backups::run);
    sim.jobs().whenName("-smoke-").after(Duration.ofSeconds(1)).succeed();

    if (!operatorReady()) {
      return 1;
    }

    timeline.header("Sample app from k8s/examples/");
    applyExamples();
    System.out.println("   (adapted for the demo, in code: " + String.join("; ", notes) + ")");

    scenarioFirstRelease();
    scenarioNewVersion();
    scenarioManualRollback();
    scenarioBadRelease();
    scenarioScheduledBackup();

    Thread.sleep(1500);
    summary();
    metrics();
    if (Boolean.getBoolean("turnout.demo.stay")) {
      System.out.println();
      System.out.println("Still running (turnout.demo.stay=true); Ctrl-C to stop. Try:");
      System.out.println("  kubectl --kubeconfig " + KUBECONFIG + " get ar,hp,dbb,dbr -A");
      System.out.println("  kubectl --kubeconfig " + KUBECONFIG + " -n " + NS + " describe ar backend");
      System.out.println("  operator log: " + OPERATOR_LOG);
      new CountDownLatch(1).await();
    }
    return 0;
  }

  // ---- the operator process ------------------------------------------------------------------------------

  private URI readyUri;

  private void startOperator(Path jar) throws Exception {
    operator = OperatorProcess.start(jar, KUBECONFIG, OPERATOR_LOG, Map.of("TURNOUT_LEASE_NAMESPACE", "turnout-system"));
    timeline.line("operator started (pid " + operator.pid() + ", http port " + operator.port() + ", log " + OPERATOR_LOG + ")");
    readyUri = operator.url("/q/health/ready");
  }

  private boolean operatorReady() throws Exception {
    URI ready = readyUri;
    boolean up = waitFor("operator /q/health/ready answers 200", Duration.ofSeconds(90), () -> {
      if (!operator.isAlive()) {
        return true;
      }
      return httpStatus(ready) == 200;
    });
    if (!operator.isAlive()) {
      timeline.line("!! the operator exited with code " + operator.process().exitValue() + "; see " + OPERATOR_LOG);
      return false;
    }
    if (!up) {
      return false;
    }
    timeline.line("operator ready (" + ready + ")");
    var lease = client.leases().inNamespace("turnout-system").list().getItems();
    lease.forEach(l -> timeline.line("Lease turnout-system/" + l.getMetadata().getName() + " held by "
        + l.getSpec().getHolderIdentity() + " (leader election)"));
    return true;
  }

  private void stop() {
    if (operator != null) {
      try {
        operator.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    closeQuietly(timeline);
    closeQuietly(sim);
    closeQuietly(backups);
    closeQuietly(cluster);
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      if (c != null) {
        c.close();
      }
    } catch (Exception ignored) {
      // shutting down
    }
  }

  private static int httpStatus(URI uri) {
    try {
      HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection();
      c.setConnectTimeout(1000);
      c.setReadTimeout(2000);
      int code = c.getResponseCode();
      c.disconnect();
      return code;
    } catch (IOException e) {
      return -1;
    }
  }

  // ---- the sample app ------------------------------------------------------------------------------------

  private void applyExamples() throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.list(Path.of("k8s/examples"))) {
      files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
    for (Path file : files) {
      try (InputStream in = Files.newInputStream(file)) {
        for (HasMetadata item : client.load(in).items()) {
          HasMetadata adapted = adapt(item);
          if (adapted == null) {
            continue;
          }
          adapted.getMetadata().setResourceVersion(null);
          client.resource(adapted).create();
          timeline.line("applied " + adapted.getKind() + " " + adapted.getMetadata().getNamespace() + "/"
              + adapted.getMetadata().getName() + "  (" + file.getFileName() + ")");
        }
      }
    }
  }

  /** The examples as written, with what the demo needs changed (each change is noted once). */
  private HasMetadata adapt(HasMetadata item) {
    switch (item.getKind()) {
      case "Namespace" -> {
        return null; // created with the cluster
      }
      case "Secret" -> {
        Secret s = (Secret) item;
        if ("backup-s3".equals(s.getMetadata().getName())) {
          s.getStringData().put("AWS_ACCESS_KEY_ID", backups.accessKey());
          s.getStringData().put("AWS_SECRET_ACCESS_KEY", backups.secretKey());
          note("backup-s3 Secrets hold the in-process S3Proxy's keys");
        }
        return s;
      }
      case "AppRelease" -> {
        AppRelease r = convert(item, AppRelease.class);
        if (r.getSpec().strategy == null) {
          r.getSpec().strategy = new dev.turnout.apprelease.StrategySpec();
        }
        r.getSpec().strategy.progressDeadlineSeconds = 25;
        note("progressDeadlineSeconds 25");
        return r;
      }
      case "HealthPolicy" -> {
        HealthPolicy p = convert(item, HealthPolicy.class);
        p.getSpec().intervalSeconds = 1;
        p.getSpec().successThreshold = 2;
        p.getSpec().failureThreshold = 2;
        if (p.getSpec().postPromotion != null) {
          p.getSpec().postPromotion.windowSeconds = 30;
        }
        note("HealthPolicy intervalSeconds 1, successThreshold 2, failureThreshold 2, postPromotion.windowSeconds 30");
        List<CheckSpec> checks = new ArrayList<>();
        for (CheckSpec c : p.getSpec().checks) {
          if (c.tcp != null && c.tcp.host != null && c.tcp.host.startsWith("mongo.")) {
            c.tcp.host = "127.0.0.1";
            c.tcp.port = mongoPort;
            note("TCP check mongo -> a local listener (no cluster DNS here)");
          } else if (c.tcp != null && c.tcp.host != null && c.tcp.host.endsWith(".svc")) {
            note("TCP check " + c.name + " of " + p.getMetadata().getName() + " left out (no cluster DNS here)");
            continue;
          }
          checks.add(c);
        }
        p.getSpec().checks = checks;
        return p;
      }
      case "DatabaseBackup" -> {
        DatabaseBackup b = convert(item, DatabaseBackup.class);
        b.getSpec().storage.s3.endpoint = backups.endpoint();
        b.getSpec().storage.s3.forcePathStyle = true;
        note("DatabaseBackup storage -> in-process S3Proxy " + backups.endpoint() + " (path style)");
        return b;
      }
      case "DatabaseRestore" -> {
        return convert(item, DatabaseRestore.class);
      }
      default -> {
        return item;
      }
    }
  }

  private void note(String text) {
    if (!notes.contains(text)) {
      notes.add(text);
    }
  }

  private static <T> T convert(HasMetadata item, Class<T> type) {
    return item.getClass() == type ? type.cast(item) : Serialization.jsonMapper().convertValue(item, type);
  }

  private static HttpHandler nextJs() {
    return exchange -> {
      try (exchange) {
        byte[] body = "<!doctype html><title>Auto Author</title>".getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "text/html");
        exchange.sendResponseHeaders(200, body.length);
        exchange.getResponseBody().write(body);
      }
    };
  }

  /** Accepts and closes TCP connections, for the HealthPolicy's "mongo" TCP check. */
  private static int startMongoStandIn() throws IOException {
    ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread t = new Thread(() -> {
      while (!server.isClosed()) {
        try (Socket s = server.accept()) {
          // connection accepted: that is all a TCP check looks at
        } catch (IOException e) {
          return;
        }
      }
    }, "mongo-stand-in");
    t.setDaemon(true);
    t.start();
    return server.getLocalPort();
  }

  // ---- scenario ------------------------------------------------------------------------------------------

  private void scenarioFirstRelease() throws Exception {
    timeline.header("1. First release: backend 1.8.0 goes live on blue");
    boolean live = waitFor("backend live on blue", Duration.ofSeconds(60), () -> {
      AppReleaseStatus s = status("backend");
      return s != null && "blue".equals(s.activeColor) && "Healthy".equals(s.phase) && live("frontend");
    });
    if (live) {
      timeline.line("backend answers on Service backend: " + get(NS, "backend"));
    }
  }


  private void scenarioNewVersion() throws Exception {
    timeline.header("2. New version: backend 1.9.0 rolls out to green, is checked, and takes the traffic");
    long revision = setVersion("1.9.0+a41c9e2", "1.9.0");
    waitFor("backend revision " + revision + " live on green", Duration.ofSeconds(60), () -> {
      AppReleaseStatus s = status("backend");
      return s != null && "green".equals(s.activeColor) && Objects.equals(s.activeRevision, revision)
          && s.switchConvergedAt != null;
    });
  }

  private void scenarioManualRollback() throws Exception {
    timeline.header("3. Manual rollback: annotation turnout.dev/rollback");
    String token = "demo-" + Instant.now().getEpochSecond();
    client.resources(AppRelease.class).inNamespace(NS).withName("backend")
        .edit(r -> {
          r.getMetadata().getAnnotations().put("turnout.dev/rollback", token);
          return r;
        });
    timeline.line("kubectl -n " + NS + " annotate ar backend turnout.dev/rollback=" + token);
    waitFor("traffic back on blue", Duration.ofSeconds(30), () -> {
      AppReleaseStatus s = status("backend");
      return s != null && "blue".equals(s.activeColor);
    });
  }

  private void scenarioBadRelease() throws Exception {
    timeline.header("4. Bad release: backend 1.10.0 on green cannot reach its database");
    greenApi.mode(FastApiBackend.Mode.DATABASE_DOWN);
    timeline.line("green pods now answer 503 {\"database\": \"unreachable\"} on " + FastApiBackend.HEALTH_PATH
        + " (their pods stay Ready, as with a shallow readiness probe)");
    long revision = setVersion("1.10.0+9b0f7d1", "1.10.0");
    String[] held = {null};
    boolean caught = waitFor("the HealthPolicy gate holding revision " + revision + " back", Duration.ofSeconds(45), () -> {
      AppReleaseStatus s = status("backend");
      if (s == null || s.conditions == null) {
        return false;
      }
      held[0] = s.conditions.stream()
          .filter(c -> "HealthChecksPassing".equals(c.getType()) && "False".equals(c.getStatus()))
          .map(c -> c.getMessage()).filter(m -> m != null && m.contains("503")).findFirst().orElse(null);
      return held[0] != null;
    });
    if (caught) {
      timeline.line("=> revision " + revision + " never gets traffic (backend still on " + status("backend").activeColor + "): " + held[0]);
    }

    timeline.header("5. A release that breaks after the switch: 1.11.0 passes its checks, then its database goes down");
    greenApi.mode(FastApiBackend.Mode.HEALTHY);
    long next = setVersion("1.11.0+c0ffee1", "1.11.0");
    boolean live = waitFor("revision " + next + " live on green", Duration.ofSeconds(60), () -> {
      AppReleaseStatus s = status("backend");
      return s != null && "green".equals(s.activeColor) && Objects.equals(s.activeRevision, next) && s.switchConvergedAt != null;
    });
    if (!live) {
      return;
    }
    greenApi.mode(FastApiBackend.Mode.DATABASE_DOWN);
    timeline.line("green's database goes down during the post-promotion window: /api/v1/health answers 503");
    boolean reverted = waitFor("automatic revert to blue", Duration.ofSeconds(30), () -> {
      AppReleaseStatus s = status("backend");
      return s != null && "blue".equals(s.activeColor);
    });
    RevisionRecord rec = record(status("backend"), next);
    if (reverted && rec != null) {
      timeline.line("=> revision " + next + " " + rec.outcome + ": " + rec.reason);
      timeline.line("backend answers on Service backend: " + get(NS, "backend"));
    }
  }

  private void scenarioScheduledBackup() throws Exception {
    timeline.header("6. Scheduled backup: the DatabaseBackup's CronJob fires");
    String cronJob = "mongo-prod-backup";
    boolean exists = waitFor("CronJob " + NS + "/" + cronJob + " exists", Duration.ofSeconds(8),
        () -> client.batch().v1().cronjobs().inNamespace(NS).withName(cronJob).get() != null);
    if (!exists) {
      List<String> cronJobs = client.batch().v1().cronjobs().inNamespace(NS).list().getItems().stream()
          .map(c -> c.getMetadata().getName()).toList();
      timeline.line("!! the operator did not create a CronJob for DatabaseBackup mongo-prod (CronJobs in " + NS + ": "
          + cronJobs + "): scheduled backups are not wired in this build; skipping this step");
      return;
    }
    DatabaseBackup before = client.resources(DatabaseBackup.class).inNamespace(NS).withName("mongo-prod").get();
    String previous = before == null || before.getStatus() == null || before.getStatus().lastSuccessfulBackup == null
        ? null : before.getStatus().lastSuccessfulBackup.object;
    Optional<Job> job = sim.cronJobs().trigger(NS, cronJob);
    if (job.isEmpty()) {
      timeline.line("!! the CronJob did not start a Job (suspended, or a run still active)");
      return;
    }
    timeline.line("schedule fired: Job " + job.get().getMetadata().getName() + " runs the backup agent against S3Proxy");
    waitFor("DatabaseBackup mongo-prod reports a successful backup", Duration.ofSeconds(45), () -> {
      DatabaseBackup b = client.resources(DatabaseBackup.class).inNamespace(NS).withName("mongo-prod").get();
      return b != null && b.getStatus() != null && b.getStatus().lastSuccessfulBackup != null
          && b.getStatus().lastSuccessfulBackup.object != null
          && !b.getStatus().lastSuccessfulBackup.object.equals(previous);
    });
    timeline.line("objects in s3://" + DemoBackups.BUCKET + ": " + backups.objects());
    timeline.line("staging database (asked of its server): " + backups.stagingCounts());
  }

  // ---- helpers -------------------------------------------------------------------------------------------

  private long setVersion(String version, String tag) throws InterruptedException {
    AppRelease updated = client.resources(AppRelease.class).inNamespace(NS).withName("backend").edit(r -> {
      r.getSpec().version = version;
      var c = r.getSpec().template.getSpec().getContainers().get(0);
      c.setImage(c.getImage().replaceAll(":[^:]+$", ":" + tag));
      return r;
    });
    timeline.line("spec.version of backend set to " + version + " (image tag " + tag + ")");
    AppReleaseStatus before = updated.getStatus();
    long expected = (before == null || before.currentRevision == null ? 0 : before.currentRevision) + 1;
    waitFor("revision " + expected + " created", Duration.ofSeconds(15), () -> {
      AppReleaseStatus s = status("backend");
      return s != null && s.currentRevision != null && s.currentRevision >= expected;
    });
    return expected;
  }

  private AppReleaseStatus status(String name) {
    AppRelease r = client.resources(AppRelease.class).inNamespace(NS).withName(name).get();
    return r == null ? null : r.getStatus();
  }

  private boolean live(String name) {
    AppReleaseStatus s = status(name);
    return s != null && s.activeColor != null && "Healthy".equals(s.phase);
  }

  private static RevisionRecord record(AppReleaseStatus s, long revision) {
    if (s == null || s.history == null) {
      return null;
    }
    return s.history.stream().filter(h -> h.revision != null && h.revision == revision).findFirst().orElse(null);
  }

  /** GET /api/v1/health through a Service's ready endpoints (as a client of the Service would). */
  private String get(String ns, String service) {
    try {
      URI uri = sim.url(ns, service, FastApiBackend.HEALTH_PATH);
      HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection();
      c.setConnectTimeout(1000);
      c.setReadTimeout(2000);
      int code = c.getResponseCode();
      InputStream in = code >= 400 ? c.getErrorStream() : c.getInputStream();
      String body = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
      return code + " " + body;
    } catch (Exception e) {
      return "no answer (" + e.getMessage() + ")";
    }
  }

  /** Polls until true; prints a line and returns false on timeout. */
  private boolean waitFor(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      try {
        if (condition.getAsBoolean()) {
          return true;
        }
      } catch (RuntimeException e) {
        // the API may be briefly unavailable; try again
      }
      Thread.sleep(250);
    }
    timeline.line("!! timed out after " + timeout.toSeconds() + "s waiting for: " + what);
    return false;
  }

  // ---- summary -------------------------------------------------------------------------------------------

  private void summary() {
    timeline.header("Resources at the end (as kubectl get would show them)");
    List<List<String>> rows = new ArrayList<>();
    rows.add(List.of("APPRELEASE", "VERSION", "ACTIVE", "PREVIEW", "REVISION", "PHASE"));
    for (AppRelease r : client.resources(AppRelease.class).inAnyNamespace().list().getItems()) {
      AppReleaseStatus s = r.getStatus() == null ? new AppReleaseStatus() : r.getStatus();
      rows.add(List.of(r.getMetadata().getNamespace() + "/" + r.getMetadata().getName(), r.getSpec().version,
          str(s.activeColor), str(s.previewColor), str(s.currentRevision), str(s.phase)));
    }
    table(rows);

    rows = new ArrayList<>();
    rows.add(List.of("REVISION (backend)", "VERSION", "COLOR", "OUTCOME", "REASON"));
    AppReleaseStatus backend = status("backend");
    if (backend != null && backend.history != null) {
      for (RevisionRecord h : backend.history) {
        rows.add(List.of(str(h.revision), str(h.version), str(h.color), str(h.outcome), abbreviate(str(h.reason), 70)));
      }
    }
    table(rows);

    rows = new ArrayList<>();
    rows.add(List.of("DEPLOYMENT", "READY", "REVISION"));
    for (Deployment d : client.apps().deployments().inNamespace(NS).list().getItems()) {
      int want = d.getSpec().getReplicas() == null ? 0 : d.getSpec().getReplicas();
      int ready = d.getStatus() == null || d.getStatus().getReadyReplicas() == null ? 0 : d.getStatus().getReadyReplicas();
      rows.add(List.of(d.getMetadata().getName(), ready + "/" + want,
          str(d.getMetadata().getLabels() == null ? null : d.getMetadata().getLabels().get("turnout.dev/revision"))));
    }
    table(rows);

    rows = new ArrayList<>();
    rows.add(List.of("SERVICE", "SELECTS COLOR"));
    for (Service s : client.services().inNamespace(NS).list().getItems()) {
      rows.add(List.of(s.getMetadata().getName(), str(s.getSpec().getSelector() == null ? null
          : s.getSpec().getSelector().get("turnout.dev/color"))));
    }
    table(rows);

    rows = new ArrayList<>();
    rows.add(List.of("HEALTHPOLICY", "READY"));
    for (HealthPolicy p : client.resources(HealthPolicy.class).inAnyNamespace().list().getItems()) {
      rows.add(List.of(p.getMetadata().getNamespace() + "/" + p.getMetadata().getName(),
          condition(p.getStatus() == null ? null : p.getStatus().conditions, "Ready")));
    }
    table(rows);

    rows = new ArrayList<>();
    rows.add(List.of("DATABASEBACKUP", "SCHEDULE", "LAST-SUCCESS", "SIZE", "READY"));
    for (DatabaseBackup b : client.resources(DatabaseBackup.class).inAnyNamespace().list().getItems()) {
      var s = b.getStatus();
      rows.add(List.of(b.getMetadata().getNamespace() + "/" + b.getMetadata().getName(), b.getSpec().schedule,
          s == null ? "<none>" : str(s.lastSuccessTime), s == null ? "<none>" : str(s.lastSuccessSize),
          condition(s == null ? null : s.conditions, "Ready")));
    }
    table(rows);

    rows = new ArrayList<>();
    rows.add(List.of("DATABASERESTORE", "PHASE", "MESSAGE"));
    for (DatabaseRestore r : client.resources(DatabaseRestore.class).inAnyNamespace().list().getItems()) {
      rows.add(List.of(r.getMetadata().getNamespace() + "/" + r.getMetadata().getName(),
          r.getStatus() == null ? "<none>" : str(r.getStatus().phase),
          r.getStatus() == null ? "" : abbreviate(str(r.getStatus().message), 70)));
    }
    table(rows);

    rows = new ArrayList<>();
    rows.add(List.of("CRONJOB / JOB", "STATUS"));
    for (CronJob c : client.batch().v1().cronjobs().inAnyNamespace().list().getItems()) {
      rows.add(List.of("cronjob " + c.getMetadata().getNamespace() + "/" + c.getMetadata().getName(),
          "schedule " + c.getSpec().getSchedule()));
    }
    for (Job j : client.batch().v1().jobs().inAnyNamespace().list().getItems()) {
      String state = j.getStatus() == null || j.getStatus().getConditions() == null ? "active"
          : j.getStatus().getConditions().stream().filter(c -> "True".equals(c.getStatus()))
              .map(c -> c.getType()).filter(t -> t.equals("Complete") || t.equals("Failed")).findFirst().orElse("active");
      rows.add(List.of("job " + j.getMetadata().getNamespace() + "/" + j.getMetadata().getName(), state));
    }
    table(rows);
    System.out.println();
    System.out.println("Operator log: " + OPERATOR_LOG);
  }

  /** A summary of the operator's own metrics (turnout_*): values, and count, p50 and p90 of histograms. */
  private void metrics() {
    URI uri = readyUri.resolve("/q/metrics");
    System.out.println();
    System.out.println("Operator metrics (summary of turnout_*; every series and bucket: GET " + uri + "):");
    try {
      HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection();
      c.setConnectTimeout(1000);
      c.setReadTimeout(5000);
      String body = new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      MetricsSummary.summarize(body).forEach(l -> System.out.println("  " + l));
    } catch (IOException e) {
      System.out.println("  (not available: " + e.getMessage() + ")");
    }
  }

  private static String condition(List<Condition> conditions, String type) {
    if (conditions == null) {
      return "<none>";
    }
    return conditions.stream().filter(c -> type.equals(c.getType())).findFirst()
        .map(c -> c.getStatus() + " (" + c.getReason() + ")").orElse("<none>");
  }

  private static String str(Object o) {
    return o == null ? "<none>" : o.toString();
  }

  private static String abbreviate(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max - 1) + "…";
  }

  private static void table(List<List<String>> rows) {
    if (rows.size() == 1) {
      rows = new ArrayList<>(rows);
      List<String> none = new ArrayList<>();
      for (int i = 0; i < rows.get(0).size(); i++) {
        none.add(i == 0 ? "(none)" : "");
      }
      rows.add(none);
    }
    Map<Integer, Integer> widths = new LinkedHashMap<>();
    for (List<String> row : rows) {
      for (int i = 0; i < row.size(); i++) {
        widths.merge(i, row.get(i).length(), Math::max);
      }
    }
    System.out.println();
    for (List<String> row : rows) {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < row.size(); i++) {
        sb.append(String.format("%-" + (widths.get(i) + 3) + "s", row.get(i)));
      }
      System.out.println(sb.toString().stripTrailing());
    }
  }
}
