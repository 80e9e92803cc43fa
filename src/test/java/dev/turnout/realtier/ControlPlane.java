package dev.turnout.realtier;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Kubernetes control plane: etcd and kube-apiserver started by io.fabric8:kube-api-test (certificates,
 * kubeconfig, readiness), kube-controller-manager started here against the same API server, with an audit log of
 * everything the operator's ServiceAccount does.
 *
 * <p>Binaries: {@code scripts/build-control-plane.sh} builds them from Go modules into the directory named by the
 * system property {@code turnout.controlplane.dir} (kube-api-test's offline layout {@code k8s/<version>-linux-amd64/}).
 * Without that directory kube-api-test downloads etcd, kube-apiserver and kubectl itself (its online mode), and
 * kube-controller-manager must then be on the PATH. A missing binary fails the run; it never skips.
 *
 * <p>Runs in the network namespace of {@code scripts/netns/bin/java}: the advertise address and the pod and
 * Service ranges exist only there.
 */
public final class ControlPlane implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ControlPlane.class);
  static final String ADVERTISE_ADDRESS = "10.243.0.1";
  /** Controllers of kube-controller-manager the operator depends on; node lifecycle is off (the fake node sends no heartbeats). */
  static final String CONTROLLERS = String.join(",", "deployment-controller", "replicaset-controller",
      "endpointslice-controller", "endpoints-controller", "job-controller", "cronjob-controller",
      "garbage-collector-controller", "namespace-controller", "serviceaccount-controller",
      "ttl-after-finished-controller", "pod-garbage-collector-controller");

  /** Admission plugins enabled besides the API server's defaults. */
  static final String ADMISSION_PLUGINS = "OwnerReferencesPermissionEnforcement";

  private final KubeAPIServer apiServer;
  private final Process controllerManager;
  private final Path workDir;
  private final Path adminKubeconfig;
  private final Path auditLog;
  private final Path apiServerCert;
  private final KubernetesClient admin;

  private ControlPlane(KubeAPIServer apiServer, Process controllerManager, Path workDir, Path adminKubeconfig,
      Path auditLog, Path apiServerCert, KubernetesClient admin) {
    this.apiServer = apiServer;
    this.controllerManager = controllerManager;
    this.workDir = workDir;
    this.adminKubeconfig = adminKubeconfig;
    this.auditLog = auditLog;
    this.apiServerCert = apiServerCert;
    this.admin = admin;
  }

  /** Starts etcd, kube-apiserver and kube-controller-manager; logs and the audit log go to {@code workDir}. */
  public static ControlPlane start(Path workDir, String auditedGroup) throws IOException, InterruptedException {
    Files.createDirectories(workDir);
    Instant begin = Instant.now();
    Optional<Path> binaries = builtBinaries();
    Path auditPolicy = workDir.resolve("audit-policy.yaml");
    Files.writeString(auditPolicy, auditPolicy(auditedGroup));
    Path auditLog = workDir.resolve("audit.log");
    Files.deleteIfExists(auditLog);
    KubeAPIServerConfigBuilder config = KubeAPIServerConfigBuilder.anAPIServerConfig()
        .withStartupTimeout(120_000)
        .withApiServerFlag("--advertise-address", ADVERTISE_ADDRESS)
        // on top of the default plugins: setting blockOwnerDeletion on an ownerReference needs update on the owner's
        // finalizers subresource (as on OpenShift and clusters that enable it), so a verb missing from the chart's
        // RBAC is a 403 that RealNamespace reports after each test
        .withApiServerFlag("--enable-admission-plugins", ADMISSION_PLUGINS)
        .withApiServerFlag("--audit-policy-file", auditPolicy.toString())
        .withApiServerFlag("--audit-log-path", auditLog.toString())
        .withApiServerFlag("--audit-log-format", "json")
        .withApiServerFlag("--audit-log-mode", "blocking");
    if (binaries.isPresent()) {
      // <dir>/k8s/<version>-linux-amd64: kube-api-test's offline layout
      Path base = binaries.get().getParent().getParent();
      config.withOfflineMode(true).withTestDir(base.toString())
          .withApiServerVersion(binaries.get().getFileName().toString().replace("-linux-amd64", ""));
    }
    KubeAPIServer apiServer = new KubeAPIServer(config.build());
    apiServer.start();
    Path kubeconfig = workDir.resolve("admin.kubeconfig");
    Files.writeString(kubeconfig, apiServer.getKubeConfigYaml());
    String testDir = binaries.map(b -> b.getParent().getParent().toString())
        .orElse(new File(System.getProperty("user.home"), KubeAPIServerConfigBuilder.DIRECTORY_NAME).getPath());
    Path apiServerCert = Path.of(testDir, "apiserver.crt");
    Path apiServerKey = Path.of(testDir, "apiserver.key");
    LOG.info("kube-apiserver ready in {} ms", Duration.between(begin, Instant.now()).toMillis());

    Path kcm = binaries.map(b -> b.resolve("kube-controller-manager")).orElseGet(() -> onPath("kube-controller-manager"));
    List<String> command = new ArrayList<>(List.of(kcm.toString(),
        "--kubeconfig", kubeconfig.toString(),
        "--leader-elect=false",
        "--controllers", CONTROLLERS,
        "--secure-port", "0",
        "--use-service-account-credentials=false",
        "--service-account-private-key-file", apiServerKey.toString(),
        "--root-ca-file", apiServerCert.toString(),
        "--v", "1"));
    Path kcmLog = workDir.resolve("kube-controller-manager.log");
    Process controllerManager = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.to(kcmLog.toFile())).start();
    KubernetesClient admin = new KubernetesClientBuilder()
        .withConfig(Config.fromKubeconfig(Files.readString(kubeconfig))).build();
    ControlPlane plane = new ControlPlane(apiServer, controllerManager, workDir, kubeconfig, auditLog, apiServerCert, admin);
    plane.awaitControllerManager(kcmLog);
    LOG.info("control plane ready in {} ms (kube-controller-manager's service account controller answered)",
        Duration.between(begin, Instant.now()).toMillis());
    return plane;
  }

  /**
   * An existing cluster instead (docs/testing.md, "Another cluster"): {@code turnout.realtier.kubeconfig} names an
   * admin kubeconfig, {@code turnout.realtier.auditlog} the API server's audit log as this process can read it (JSON
   * lines, with the policy {@link #auditPolicy}). Nothing is started or stopped.
   */
  public static ControlPlane external(Path kubeconfig, Path auditLog) throws IOException {
    KubernetesClient admin = new KubernetesClientBuilder()
        .withConfig(Config.fromKubeconfig(Files.readString(kubeconfig))).build();
    if (!Files.isReadable(auditLog)) {
      throw new IllegalStateException("turnout.realtier.auditlog=" + auditLog + " is not readable: the idle-write and"
          + " RBAC checks read the API server's audit log");
    }
    return new ControlPlane(null, null, kubeconfig.getParent(), kubeconfig, auditLog, null, admin);
  }

  /** The directory of the binaries that scripts/build-control-plane.sh built, if any. */
  static Optional<Path> builtBinaries() {
    String dir = System.getProperty("turnout.controlplane.dir", System.getenv("TURNOUT_CONTROL_PLANE_DIR"));
    if (dir == null || dir.isBlank()) {
      return Optional.empty();
    }
    Path k8s = Path.of(dir, "k8s");
    if (!Files.isDirectory(k8s)) {
      LOG.warn("no control plane built under {}: kube-api-test downloads its binaries (needs internet), and"
          + " kube-controller-manager must be on the PATH; scripts/build-control-plane.sh builds them", k8s);
      return Optional.empty();
    }
    try (var versions = Files.list(k8s)) {
      Optional<Path> newest = versions.filter(p -> p.getFileName().toString().endsWith("-linux-amd64"))
          .filter(p -> Files.isExecutable(p.resolve("kube-controller-manager")))
          .max(Comparator.comparing(p -> versionKey(p.getFileName().toString())));
      if (newest.isEmpty()) {
        throw new IllegalStateException("no control plane binaries under " + k8s + ": run scripts/build-control-plane.sh");
      }
      return newest;
    } catch (IOException e) {
      throw new IllegalStateException("turnout.controlplane.dir=" + dir + " has no k8s/ directory: run "
          + "scripts/build-control-plane.sh (make test does)", e);
    }
  }

  /** The kubectl built beside the control plane (or the PATH's): for tests that run it as a user does. */
  public static Path kubectl() {
    return builtBinaries().map(b -> b.resolve("kubectl")).orElseGet(() -> onPath("kubectl"));
  }

  private static String versionKey(String dirName) {
    return Arrays.stream(dirName.replace("-linux-amd64", "").split("\\."))
        .map(part -> String.format("%05d", Integer.parseInt(part.replaceAll("\\D.*", "0"))))
        .reduce("", String::concat);
  }

  private static Path onPath(String binary) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path candidate = Path.of(dir, binary);
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    throw new IllegalStateException(binary + " is neither built (scripts/build-control-plane.sh) nor on the PATH");
  }

  /**
   * What the API server records: every request of the operator's ServiceAccount group (reads too, to see a 403 on
   * a list or watch), once the response is complete; nothing else. Its writes to turnout.dev resources other than their
   * status are recorded with request and response bodies (RequestResponse), so that {@link SpecWrites} can tell a spec
   * change from a metadata-only patch; the frequent status patches stay at Metadata level (rules match in order).
   */
  static String auditPolicy(String auditedGroup) {
    return """
        apiVersion: audit.k8s.io/v1
        kind: Policy
        omitStages: [RequestReceived, ResponseStarted]
        rules:
        - level: Metadata
          userGroups: ["%1$s"]
          resources:
          - group: turnout.dev
            resources: ["*/status"]
        - level: RequestResponse
          userGroups: ["%1$s"]
          verbs: [create, update, patch]
          resources:
          - group: turnout.dev
        - level: Metadata
          userGroups: ["%1$s"]
        - level: None
        """.formatted(auditedGroup);
  }

  private void awaitControllerManager(Path kcmLog) throws InterruptedException {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(90));
    while (Instant.now().isBefore(deadline)) {
      if (!controllerManager.isAlive()) {
        throw new IllegalStateException("kube-controller-manager exited with " + controllerManager.exitValue()
            + "; its log: " + tail(kcmLog));
      }
      if (admin.serviceAccounts().inNamespace("default").withName("default").get() != null) {
        return;
      }
      Thread.sleep(250);
    }
    throw new IllegalStateException("kube-controller-manager did not create the default ServiceAccount in 90 s; log: "
        + tail(kcmLog));
  }

  static String tail(Path file) {
    try {
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public KubernetesClient admin() {
    return admin;
  }

  public Path adminKubeconfig() {
    return adminKubeconfig;
  }

  public Path auditLog() {
    return auditLog;
  }

  /** The API server's CA as PEM: from kube-api-test's certificate, or the admin kubeconfig of another cluster. */
  public String caPem() throws IOException {
    if (apiServerCert != null) {
      return Files.readString(apiServerCert);
    }
    Config config = admin.getConfiguration();
    if (config.getCaCertData() != null) {
      return new String(java.util.Base64.getDecoder().decode(config.getCaCertData()), StandardCharsets.UTF_8);
    }
    return Files.readString(Path.of(config.getCaCertFile()));
  }

  public String url() {
    return admin.getConfiguration().getMasterUrl();
  }

  public Path workDir() {
    return workDir;
  }

  @Override
  public void close() {
    admin.close();
    if (apiServer == null) {
      return; // another cluster: not ours to stop
    }
    controllerManager.destroy();
    try {
      if (!controllerManager.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
        controllerManager.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    apiServer.stop();
  }
}
