package dev.turnout.crd;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.turnout.helm.KustomizeManifests;
import dev.turnout.realtier.ControlPlane;
import dev.turnout.realtier.RealNamespace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * k8s/ as a kustomize user has it, built by the real kubectl's kustomize and applied (server-side dry run) to the real
 * API server: each overlay builds exactly the chart's render it stands for (plus the CRDs), so `kubectl apply -k` and
 * `helm install` install the same objects; a `namespace:` on top moves the single-namespace install as a whole.
 */
class KustomizeRealIT {
  @RegisterExtension static final RealNamespace NS = new RealNamespace();
  @TempDir Path tmp;

  @Test
  void theSingleNamespaceOverlayIsTheChartsNamespaceScopedRender() throws Exception {
    assertThat(byId(build(Path.of("k8s/overlays/single-namespace"))))
        .isEqualTo(byId(withCrds(KustomizeManifests.renderSingleNamespace())));
    Result dryRun = kubectl("apply", "-k", "k8s/overlays/single-namespace", "--dry-run=server");
    assertThat(dryRun.exitCode()).as(dryRun.output()).isZero();
  }

  @Test
  void theAllNamespacesOverlayIsTheChartsDefaultRender() throws Exception {
    assertThat(byId(build(Path.of("k8s/overlays/all-namespaces")))).isEqualTo(byId(withCrds(KustomizeManifests.render())));
    Result dryRun = kubectl("apply", "-k", "k8s/overlays/all-namespaces", "--dry-run=server");
    assertThat(dryRun.exitCode()).as(dryRun.output()).isZero();
  }

  @Test
  void aNamespaceOnTopMovesTheSingleNamespaceInstallAsAWhole() throws Exception {
    Path mine = Files.createDirectories(tmp.resolve("mine"));
    Path overlay = Path.of("k8s/overlays/single-namespace").toAbsolutePath();
    Files.writeString(mine.resolve("kustomization.yaml"), """
        apiVersion: kustomize.config.k8s.io/v1beta1
        kind: Kustomization
        namespace: %s
        resources:
        - %s
        """.formatted(NS.name(), mine.relativize(overlay)));
    List<ObjectNode> objects = build(mine);
    assertThat(objects).filteredOn(o -> o.path("metadata").has("namespace"))
        .allSatisfy(o -> assertThat(o.at("/metadata/namespace").asText()).as(KustomizeManifests.id(o)).isEqualTo(NS.name()));
    List<String> subjectNamespaces = new ArrayList<>();
    objects.stream().filter(o -> o.path("kind").asText().endsWith("RoleBinding"))
        .forEach(o -> o.path("subjects").forEach(s -> subjectNamespaces.add(s.path("namespace").asText())));
    assertThat(subjectNamespaces).isNotEmpty().containsOnly(NS.name());
    assertThat(objects).filteredOn(o -> o.path("kind").asText().equals("Deployment")).singleElement()
        .satisfies(d -> assertThat(d.at("/spec/template/spec/containers/0/env/0/valueFrom/fieldRef/fieldPath").asText())
            .as("TURNOUT_NAMESPACES from the pod's namespace").isEqualTo("metadata.namespace"));
    Result dryRun = kubectl("apply", "-k", mine.toString(), "--dry-run=server");
    assertThat(dryRun.exitCode()).as(dryRun.output()).isZero();
  }

  List<ObjectNode> withCrds(List<ObjectNode> rendered) throws Exception {
    List<ObjectNode> all = new ArrayList<>(rendered);
    try (Stream<Path> crds = Files.list(Path.of("crds"))) {
      for (Path crd : crds.filter(p -> p.toString().endsWith(".yaml")).toList()) {
        all.addAll(KustomizeManifests.parseAll(Files.readString(crd)));
      }
    }
    return all;
  }

  static Map<String, JsonNode> byId(List<ObjectNode> objects) {
    Map<String, JsonNode> m = new TreeMap<>();
    objects.forEach(o -> m.put(KustomizeManifests.id(o), KustomizeManifests.canonical(o)));
    return m;
  }

  List<ObjectNode> build(Path dir) throws Exception {
    Result r = kubectl("kustomize", dir.toString());
    assertThat(r.exitCode()).as(r.output()).isZero();
    return KustomizeManifests.parseAll(r.output());
  }

  record Result(int exitCode, String output) {}

  Result kubectl(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(ControlPlane.kubectl().toString(), "--kubeconfig",
        NS.tier().plane().adminKubeconfig().toString()));
    cmd.addAll(List.of(args));
    Path out = tmp.resolve("kubectl-" + System.nanoTime() + ".out");
    Path err = tmp.resolve("kubectl-" + System.nanoTime() + ".err");
    Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("kubectl %s finished", args[0]).isTrue();
    return new Result(p.exitValue(), Files.readString(out) + Files.readString(err));
  }
}
