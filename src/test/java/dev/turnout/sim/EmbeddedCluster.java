package dev.turnout.sim;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import java.util.Map;
import java.util.Queue;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.stream.Stream;

/**
 * A Kubernetes API server for tests and local runs: fabric8's mock server in CRUD mode on
 * 127.0.0.1. It stores objects and serves watches, and nothing more (no controllers, no kubelet,
 * no garbage collector) - {@link ClusterSimulator} plays those.
 *
 * <p>What the CRUD mock does and does not do, as checked against kubernetes-server-mock 7.4.0:
 * <ul>
 *   <li>metadata.generation starts at 1 and grows on every write that changes anything outside
 *       metadata and status; writes to the /status subresource never change it.
 *   <li>A kind has a status subresource only if the server knows it as a custom resource with
 *       {@code subresources.status}: applied CRDs count, built-in kinds do not. So that spec writes
 *       by the operator cannot clobber status written by the simulated controllers (and the other
 *       way round), this class registers Pods, Deployments, Jobs, CronJobs and Services as having
 *       one, as in a real cluster.
 *   <li>Deleting ignores propagationPolicy (no cascade) but honours finalizers.
 *   <li>The mock finds objects by testing every stored one against the request; {@link IndexedCrudDispatcher}
 *       hands it only those of the request's kind and namespace, so that 1,000 releases stay fast.
 *   <li>Server-side apply (application/apply-patch+yaml) is rejected with 415 by the mock, and
 *       done by {@link ServerSideApply} in front of it; JSON patch, merge patch, PUT and POST
 *       work. Label selectors support only = and != (set-based ones are ignored, i.e. match
 *       everything).
 * </ul>
 */
public final class EmbeddedCluster implements AutoCloseable {
  /** The mock accepts any bearer token; kubeconfigs still need one so clients send something. */
  private static final String TOKEN = "embedded-cluster";

  private final List<CustomResourceDefinition> appliedCrds = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final AdmissionWebhooks webhooks = new AdmissionWebhooks();
  private final KubernetesMockServer server;
  private final KubernetesClient client;
  private final boolean https;

  private EmbeddedCluster(int port, boolean https) {
    this.https = https;
    // CRUD for everything (with an indexed store: IndexedCrudDispatcher), plus what ApiExtras answers in front of it;
    // no pre-recorded expectations (server().expect() is not served)
    Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
    this.server = new KubernetesMockServer(new Context(Serialization.jsonMapper()), new MockWebServer(),
        responses, new ApiExtras(new IndexedCrudDispatcher(), appliedCrds, webhooks), https);
    try {
      server.init(InetAddress.getByName("127.0.0.1"), port);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    registerBuiltInStatusSubresources();
    this.client = server.createClient();
  }

  /** Starts on a random free port, over HTTPS with a self-signed certificate. */
  public static EmbeddedCluster start() {
    return new EmbeddedCluster(0, true);
  }

  /** Starts on the given port (0: random), over HTTPS (self-signed) or plain HTTP. */
  public static EmbeddedCluster start(int port, boolean https) {
    return new EmbeddedCluster(port, https);
  }

  public KubernetesClient client() {
    return client;
  }

  /** Validating admission webhooks a test installs, to see a write denied as a real cluster's webhook denies it. */
  public AdmissionWebhooks webhooks() {
    return webhooks;
  }

  /** The mock server itself, e.g. to read the requests it received. */
  public KubernetesMockServer server() {
    return server;
  }

  public int port() {
    return server.getPort();
  }

  /** The API server URL, e.g. https://127.0.0.1:18443. */
  public String url() {
    return (https ? "https" : "http") + "://127.0.0.1:" + port();
  }

  /** Applies every CustomResourceDefinition found in the *.yml / *.yaml files of a directory. */
  public List<CustomResourceDefinition> applyCrds(Path directory) {
    List<CustomResourceDefinition> applied = new ArrayList<>();
    for (CustomResourceDefinition crd : readCrds(client, directory)) {
      applied.add(applyCrd(crd));
    }
    return applied;
  }

  /** The CRDs in the YAML files of a directory (as `kubectl apply -f crds/` reads them), in file-name order. */
  public static List<CustomResourceDefinition> readCrds(KubernetesClient client, Path directory) {
    List<CustomResourceDefinition> crds = new ArrayList<>();
    try (Stream<Path> files = Files.list(directory)) {
      for (Path file : files.filter(EmbeddedCluster::isYaml).sorted().toList()) {
        try (InputStream in = Files.newInputStream(file)) {
          for (HasMetadata item : client.load(in).items()) {
            if (item instanceof CustomResourceDefinition crd) {
              crds.add(crd);
            }
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return crds;
  }

  /** Creates or replaces one CRD; from then on the mock serves its kind, with status subresource. */
  public CustomResourceDefinition applyCrd(CustomResourceDefinition crd) {
    crd.getMetadata().setResourceVersion(null);
    CustomResourceDefinition applied = client.resource(crd).createOr(NonDeletingOperation::update);
    appliedCrds.removeIf(c -> c.getMetadata().getName().equals(applied.getMetadata().getName()));
    appliedCrds.add(applied);
    return applied;
  }

  /** Creates the namespaces that do not exist yet. */
  public void createNamespaces(String... names) {
    for (String name : names) {
      if (client.namespaces().withName(name).get() == null) {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name)
            .endMetadata().build()).create();
      }
    }
  }

  /**
   * Writes a kubeconfig for this server, so that a process started elsewhere (the operator under
   * test, kubectl) can connect with KUBECONFIG=file. TLS verification is skipped because the
   * certificate is self-signed and made up at every start.
   */
  public Path writeKubeconfig(Path file, String namespace) {
    String yaml = """
        apiVersion: v1
        kind: Config
        clusters:
        - name: embedded
          cluster:
            server: %s
            insecure-skip-tls-verify: true
        users:
        - name: embedded
          user:
            token: %s
        contexts:
        - name: embedded
          context:
            cluster: embedded
            user: embedded
            namespace: %s
        current-context: embedded
        """.formatted(url(), TOKEN, namespace);
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      Files.writeString(file, yaml);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }

  private void registerBuiltInStatusSubresources() {
    builtIn("", "v1", "pods", "Pod");
    builtIn("", "v1", "services", "Service");
    builtIn("apps", "v1", "deployments", "Deployment");
    builtIn("apps", "v1", "replicasets", "ReplicaSet");
    builtIn("batch", "v1", "jobs", "Job");
    builtIn("batch", "v1", "cronjobs", "CronJob");
  }

  private void builtIn(String group, String version, String plural, String kind) {
    server.expectCustomResource(new CustomResourceDefinitionContext.Builder()
        .withGroup(group.isEmpty() ? null : group)
        .withVersion(version)
        .withPlural(plural)
        .withKind(kind)
        .withScope("Namespaced")
        .withStatusSubresource(true)
        .build());
  }

  private static boolean isYaml(Path file) {
    String name = file.getFileName().toString();
    return name.endsWith(".yml") || name.endsWith(".yaml");
  }

  @Override
  public void close() {
    client.close();
    server.destroy();
  }
}
