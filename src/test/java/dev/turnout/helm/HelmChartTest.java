package dev.turnout.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Lints and renders the Helm chart with real Helm (helm-java) and checks what it installs. */
class HelmChartTest {
  static final Path CHART = Path.of("helm/turnout");

  static List<HasMetadata> render(String... sets) {
    var cmd = new Helm(CHART).template().withName("turnout").withNamespace("turnout-system").withKubeVersion("1.28.0");
    for (int i = 0; i < sets.length; i += 2) {
      cmd = cmd.set(sets[i], sets[i + 1]);
    }
    String yaml = cmd.call();
    List<HasMetadata> objects = new ArrayList<>();
    for (String doc : yaml.split("(?m)^---\\s*$")) {
      if (doc.isBlank() || doc.lines().allMatch(l -> l.isBlank() || l.startsWith("#"))) {
        continue;
      }
      Object o = Serialization.unmarshal(doc);
      if (o instanceof HasMetadata h) {
        objects.add(h);
      }
    }
    return objects;
  }

  static <T> List<T> ofType(List<HasMetadata> all, Class<T> type) {
    return all.stream().filter(type::isInstance).map(type::cast).toList();
  }

  @Test
  void lintsClean() {
    LintResult result = new Helm(CHART).lint().strict().call();
    assertThat(result.isFailed()).as(String.join("\n", result.getMessages())).isFalse();
  }

  @Test
  void clusterWideInstallIsLeastPrivilege() {
    var objects = render();
    var roles = ofType(objects, ClusterRole.class);
    assertThat(roles).extracting(r -> r.getMetadata().getName()).containsExactlyInAnyOrder("turnout", "turnout-crds");
    List<PolicyRule> rules = roles.stream().flatMap(r -> r.getRules().stream()).toList();
    assertThat(rules).allSatisfy(r -> {
      assertThat(r.getVerbs()).doesNotContain("deletecollection", "*", "escalate", "bind", "impersonate");
      if (!r.getResources().equals(List.of("controllerrevisions")) && !r.getResources().equals(List.of("cronjobs"))) {
        assertThat(r.getVerbs()).as("nothing but the records of revisions and drill CronJobs is ever deleted: %s", r.getResources())
            .doesNotContain("delete");
      }
      assertThat(r.getResources()).doesNotContain("*");
      assertThat(r.getApiGroups()).doesNotContain("*");
    });
    // Secrets and ConfigMaps are read and watched (the cache of the ones pod templates use, issue 10 item 15g), never written
    assertThat(rules).filteredOn(r -> r.getResources().contains("secrets")).singleElement()
        .satisfies(r -> {
          assertThat(r.getVerbs()).containsExactlyInAnyOrder("get", "list", "watch");
          assertThat(r.getResources()).containsExactlyInAnyOrder("secrets", "configmaps");
        });
    // CRDs: only Turnout's own, only get
    assertThat(rules).filteredOn(r -> r.getResources().contains("customresourcedefinitions")).singleElement()
        .satisfies(r -> {
          assertThat(r.getVerbs()).containsExactly("get");
          assertThat(r.getResourceNames()).allMatch(n -> n.endsWith(".turnout.dev"));
        });
    // ControllerRevisions record what each revision runs: created once, deleted when stale or past the history limit
    assertThat(rules).filteredOn(r -> r.getResources().contains("controllerrevisions")).singleElement()
        .satisfies(r -> assertThat(r.getVerbs()).containsExactlyInAnyOrder("get", "list", "watch", "create", "delete"));
    // the operator can do what it does: write owned objects, status, events, read EndpointSlices
    assertThat(allows(rules, "apps", "deployments", "update")).isTrue();
    assertThat(allows(rules, "", "services", "create")).isTrue();
    assertThat(allows(rules, "discovery.k8s.io", "endpointslices", "watch")).isTrue();
    assertThat(allows(rules, "turnout.dev", "appreleases/status", "patch")).isTrue();
    assertThat(allows(rules, "turnout.dev", "appreleases", "update")).as("spec is never written").isFalse();
    assertThat(allows(rules, "", "events", "create")).isTrue();
    assertThat(allows(rules, "batch", "cronjobs", "create")).isTrue();
    // a DatabaseBackup's drill CronJob goes when spec.drill is removed; Jobs are never deleted by the operator
    assertThat(rules).filteredOn(r -> r.getVerbs().contains("delete") && r.getApiGroups().contains("batch")).singleElement()
        .satisfies(r -> assertThat(r.getResources()).containsExactly("cronjobs"));
    // ownerReferences with blockOwnerDeletion=true: the OwnerReferencesPermissionEnforcement admission plugin asks for
    // update on the owner's finalizers (issue 10 item 15e); nothing else of the kinds is updated
    for (String owner : List.of("appreleases", "databasebackups", "databaserestores")) {
      assertThat(allows(rules, "turnout.dev", owner + "/finalizers", "update")).as(owner + "/finalizers").isTrue();
    }
    assertThat(rules).filteredOn(r -> r.getResources().stream().anyMatch(res -> res.endsWith("/finalizers")))
        .allSatisfy(r -> assertThat(r.getVerbs()).containsExactly("update"));
    // ClusterRoleBindings need the service account's namespace
    assertThat(ofType(objects, ClusterRoleBinding.class)).allSatisfy(b ->
        assertThat(b.getSubjects()).allSatisfy(s -> assertThat(s.getNamespace()).isEqualTo("turnout-system")));
    // the Lease for leader election, in the operator's namespace only
    assertThat(ofType(objects, Role.class)).singleElement().satisfies(r -> {
      assertThat(r.getMetadata().getNamespace()).isEqualTo("turnout-system");
      assertThat(r.getRules()).singleElement().satisfies(rule -> {
        assertThat(rule.getResources()).containsExactly("leases");
        assertThat(rule.getVerbs()).as("fabric8's LeaseLock renews with PATCH").contains("get", "create", "patch");
      });
    });
    Deployment d = ofType(objects, Deployment.class).get(0);
    var env = d.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv();
    assertThat(env).anySatisfy(e -> {
      assertThat(e.getName()).isEqualTo("TURNOUT_NAMESPACES");
      assertThat(e.getValue()).isEqualTo("JOSDK_ALL_NAMESPACES");
    });
    assertThat(d.getSpec().getTemplate().getSpec().getContainers().get(0).getReadinessProbe().getHttpGet().getPath()).isEqualTo("/q/health/ready");
  }

  @Test
  void watchingListedNamespacesUsesRolesThere() {
    var objects = render("watchNamespaces[0]", "auto-author", "watchNamespaces[1]", "auto-author-staging");
    assertThat(ofType(objects, ClusterRole.class)).extracting(r -> r.getMetadata().getName()).containsExactly("turnout-crds");
    assertThat(ofType(objects, Role.class)).extracting(r -> r.getMetadata().getNamespace())
        .containsExactlyInAnyOrder("auto-author", "auto-author-staging", "turnout-system");
    assertThat(ofType(objects, RoleBinding.class)).allSatisfy(b ->
        assertThat(b.getSubjects()).allSatisfy(s -> assertThat(s.getNamespace()).isEqualTo("turnout-system")));
    Deployment d = ofType(objects, Deployment.class).get(0);
    assertThat(d.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv())
        .anySatisfy(e -> assertThat(e.getValue()).isEqualTo("auto-author,auto-author-staging"));
  }

  @Test
  void chartShipsTheSameCrdsAsTheRepository() throws IOException {
    Path chartCrds = CHART.resolve("crds");
    try (Stream<Path> files = Files.list(Path.of("crds"))) {
      List<Path> crds = files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
      assertThat(crds).hasSize(4);
      for (Path crd : crds) {
        assertThat(chartCrds.resolve(crd.getFileName())).as("helm/turnout/crds/%s (run make crds)", crd.getFileName())
            .hasSameTextualContentAs(crd);
      }
    }
  }

  /** The operator's pod as the restricted Pod Security Standard asks, with probes and resources. */
  @Test
  void theDeploymentIsHardenedAndProbed() {
    Deployment d = ofType(render("replicaCount", "2"), Deployment.class).get(0);
    assertThat(d.getSpec().getReplicas()).as("two replicas: one leads, one stands by").isEqualTo(2);
    var pod = d.getSpec().getTemplate().getSpec();
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    var c = pod.getContainers().get(0);
    assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(c.getVolumeMounts()).anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/tmp"));
    assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/q/health/live");
    assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/q/health/ready");
    assertThat(c.getResources().getRequests()).containsKeys("cpu", "memory");
    assertThat(c.getResources().getLimits()).containsKey("memory");
  }

  /** values.schema.json: real Helm refuses each bad value before rendering anything, naming the value. */
  @org.junit.jupiter.params.ParameterizedTest(name = "{0}={1}")
  @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
    "replicaCount|0|replicaCount",
    "replicaCount|two|replicaCount",
    "logLevel|LOUD|logLevel",
    "watchNamespaces[0]|Auto_Author|watchNamespaces",
    "image.pullPolicy|Sometimes|pullPolicy",
    "reconcileThreads|0|reconcileThreads",
    "replicas|2|replicas",
    "metrics.serviceMonitor.interval|half a minute|interval",
    "resources.limits.memory|lots|memory",
    "serviceAccount.create|maybe|create",
    "metrics.prometheusRule.runbookUrl|docs/operations.md|runbookUrl",
    "metrics.dashboard.enabled|yes|enabled",
  })
  void badValuesAreRefusedByTheSchema(String key, String value, String named) {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> render(key, value))
        .hasMessageContaining("values don't meet the specifications of the schema")
        .hasMessageContaining(named);
  }

  @Test
  void theDefaultsAndTheExamplesInTheDocsMeetTheSchema() {
    assertThat(render("replicaCount", "2", "watchNamespaces[0]", "auto-author", "logLevel", "DEBUG",
        "metrics.serviceMonitor.interval", "1m30s", "resources.limits.memory", "1Gi")).isNotEmpty();
  }

  @Test
  void moreThanOneReplicaGetsAPodDisruptionBudgetKeepingOne() {
    assertThat(ofType(render(), io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget.class)).isEmpty();
    var pdbs = ofType(render("replicaCount", "2"), io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget.class);
    assertThat(pdbs).singleElement().satisfies(p -> {
      assertThat(p.getSpec().getMinAvailable().getIntVal()).isEqualTo(1);
      assertThat(p.getSpec().getSelector().getMatchLabels())
          .isEqualTo(ofType(render(), Deployment.class).get(0).getSpec().getSelector().getMatchLabels());
    });
    assertThat(ofType(render("replicaCount", "2", "podDisruptionBudget.enabled", "false"),
        io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget.class)).isEmpty();
  }

  static boolean allows(List<PolicyRule> rules, String group, String resource, String verb) {
    return rules.stream().anyMatch(r -> r.getApiGroups().contains(group) && r.getResources().contains(resource) && r.getVerbs().contains(verb));
  }
}
