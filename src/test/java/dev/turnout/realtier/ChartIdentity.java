package dev.turnout.realtier;

import com.marcnuri.helm.Helm;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The operator's identity exactly as the Helm chart installs it: helm/turnout rendered by real Helm (helm-java), its
 * ServiceAccount, ClusterRoles, Roles and bindings applied unchanged, and a kubeconfig holding a token the API server
 * issued for that ServiceAccount (TokenRequest), so every call of the operator is authorized by the chart's RBAC
 * and nothing else. The chart's Deployment is not applied: no image runs here; the operator runs as the jar.
 */
public final class ChartIdentity {
  public static final String NAMESPACE = "turnout-system";
  public static final String RELEASE = "turnout";
  static final Path CHART = Path.of("helm/turnout");

  private final String serviceAccount;
  private final Path kubeconfig;
  private final java.util.Map<String, String> env;

  private ChartIdentity(String serviceAccount, Path kubeconfig, java.util.Map<String, String> env) {
    this.serviceAccount = serviceAccount;
    this.kubeconfig = kubeconfig;
    this.env = env;
  }

  /**
   * The environment the chart's Deployment gives the operator container: plain values as rendered, and the
   * downward-API fields it uses resolved as the kubelet would for a pod in the release namespace.
   */
  public java.util.Map<String, String> env() {
    return env;
  }

  /** The user name the API server gives the operator (what its audit entries carry). */
  public String userName() {
    return "system:serviceaccount:" + NAMESPACE + ":" + serviceAccount;
  }

  public static String serviceAccountGroup() {
    return "system:serviceaccounts:" + NAMESPACE;
  }

  public Path kubeconfig() {
    return kubeconfig;
  }

  /**
   * The same identity with a kubeconfig of its own that points at {@code server} instead of the API server (a proxy on
   * plain HTTP, as FaultProxy is: no CA); the token passes through it unchanged.
   */
  ChartIdentity through(String server, Path kubeconfigFile) throws IOException {
    String yaml = Files.readString(kubeconfig)
        .replaceFirst("(?m)^(\\s*)server: .*$", "$1server: " + server)
        .replaceFirst("(?m)^\\s*certificate-authority-data: .*\\R", "");
    Files.writeString(kubeconfigFile, yaml);
    return new ChartIdentity(serviceAccount, kubeconfigFile, env);
  }

  /** Renders the chart (default values), applies its identity and RBAC objects, and writes the operator's kubeconfig. */
  public static ChartIdentity install(ControlPlane plane, Path kubeconfigFile) throws IOException {
    return install(plane, kubeconfigFile, RELEASE);
  }

  /**
   * As {@link #install(ControlPlane, Path)} for another release of the chart in the same namespace (so the audit
   * policy, which records the namespace's ServiceAccounts, sees it too), rendered with {@code sets} (name, value, ...),
   * e.g. the namespace-scoped mode.
   */
  public static ChartIdentity install(ControlPlane plane, Path kubeconfigFile, String release, String... sets) throws IOException {
    KubernetesClient admin = plane.admin();
    admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).endMetadata().build())
        .serverSideApply();
    String serviceAccount = null;
    java.util.Map<String, String> env = new java.util.LinkedHashMap<>();
    for (HasMetadata object : render(admin.getKubernetesVersion().getGitVersion().replaceFirst("^v", ""), release, sets)) {
      if (object instanceof ServiceAccount sa) {
        serviceAccount = sa.getMetadata().getName();
      }
      if (object instanceof io.fabric8.kubernetes.api.model.apps.Deployment d) {
        for (var e : d.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv()) {
          if (e.getValue() != null) {
            env.put(e.getName(), e.getValue());
          } else if (e.getValueFrom() != null && e.getValueFrom().getFieldRef() != null) {
            String path = e.getValueFrom().getFieldRef().getFieldPath();
            if (!"metadata.namespace".equals(path)) {
              throw new IllegalStateException("the chart's env " + e.getName() + " uses " + path + ": resolve it here");
            }
            env.put(e.getName(), NAMESPACE);
          }
        }
      }
      if (object instanceof ServiceAccount || object instanceof ClusterRole || object instanceof ClusterRoleBinding
          || object instanceof Role || object instanceof RoleBinding) {
        if (object.getMetadata().getNamespace() == null && (object instanceof ServiceAccount || object instanceof Role
            || object instanceof RoleBinding)) {
          object.getMetadata().setNamespace(NAMESPACE); // as `helm install -n turnout-system` does
        }
        admin.resource(object).serverSideApply();
      }
    }
    if (serviceAccount == null) {
      throw new IllegalStateException("the chart renders no ServiceAccount");
    }
    TokenRequest token = admin.serviceAccounts().inNamespace(NAMESPACE).withName(serviceAccount)
        .tokenRequest(new TokenRequestBuilder().withNewSpec().withExpirationSeconds(24 * 3600L).endSpec().build());
    Files.writeString(kubeconfigFile, """
        apiVersion: v1
        kind: Config
        clusters:
        - name: real-tier
          cluster:
            server: %s
            certificate-authority-data: %s
        users:
        - name: %s
          user:
            token: %s
        contexts:
        - name: turnout
          context: {cluster: real-tier, user: %s, namespace: %s}
        current-context: turnout
        """.formatted(plane.url(), java.util.Base64.getEncoder().encodeToString(
            plane.caPem().getBytes(java.nio.charset.StandardCharsets.UTF_8)), serviceAccount, token.getStatus().getToken(),
        serviceAccount, NAMESPACE));
    return new ChartIdentity(serviceAccount, kubeconfigFile, java.util.Map.copyOf(env));
  }

  /** As `helm template` against this cluster: the server's version decides the chart's kubeVersion check. */
  /**
   * The operator container's memory limit in the chart's default values, in bytes: in a pod the JVM sizes its heap from
   * that cgroup limit (-XX:MaxRAMPercentage), so a benchmark running the jar on this machine passes it as -XX:MaxRAM.
   */
  public static long memoryLimitBytes(String kubeVersion) {
    for (HasMetadata object : render(kubeVersion, RELEASE)) {
      if (object instanceof io.fabric8.kubernetes.api.model.apps.Deployment d) {
        return io.fabric8.kubernetes.api.model.Quantity.getAmountInBytes(d.getSpec().getTemplate().getSpec().getContainers()
            .get(0).getResources().getLimits().get("memory")).longValueExact();
      }
    }
    throw new IllegalStateException("the chart renders no Deployment");
  }

  static List<HasMetadata> render(String kubeVersion, String release, String... sets) {
    var template = new Helm(CHART).template().withName(release).withNamespace(NAMESPACE).withKubeVersion(kubeVersion);
    for (int i = 0; i < sets.length; i += 2) {
      template = template.set(sets[i], sets[i + 1]);
    }
    String yaml = template.call();
    List<HasMetadata> objects = new ArrayList<>();
    for (String doc : yaml.split("(?m)^---\\s*$")) {
      if (doc.isBlank() || doc.lines().allMatch(l -> l.isBlank() || l.startsWith("#"))) {
        continue;
      }
      if (Serialization.unmarshal(doc) instanceof HasMetadata h) {
        objects.add(h);
      }
    }
    return objects;
  }
}
