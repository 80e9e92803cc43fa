package dev.turnout.crd;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.turnout.realtier.ControlPlane;
import dev.turnout.realtier.RealNamespace;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CRD upgrade path docs/operations.md and the chart's NOTES.txt give, run with the real kubectl against the real
 * API server: Helm creates crds/ on the first install only (as field manager "helm") and never upgrades them, so an
 * upgrade applies them with {@code kubectl apply --server-side --force-conflicts -f crds/}. Without
 * --force-conflicts server-side apply refuses every changed field Helm owns; with it the new schema is served and the
 * existing resources stay. Done on a copy of DatabaseBackup's CRD in a group of its own (the real CRDs serve the other
 * classes running beside this one): the "old" version lacks spec.verify and has another description.
 */
class CrdUpgradeRealIT {
  static final String GROUP = "crdupgrade.turnout.test";
  static final String NAME = "databasebackups." + GROUP;
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @RegisterExtension static final RealNamespace NS = new RealNamespace();
  @TempDir Path tmp;

  KubernetesClient admin() {
    return NS.tier().admin();
  }

  @AfterEach
  void removeTheCopy() {
    admin().apiextensions().v1().customResourceDefinitions().withName(NAME).delete();
  }

  static ObjectNode copyOfTheCommittedCrd() throws Exception {
    String text = Files.readString(Path.of("crds/databasebackups.turnout.dev.yaml"), StandardCharsets.UTF_8);
    ObjectNode crd = (ObjectNode) YAML.readTree(text);
    ((ObjectNode) crd.get("metadata")).put("name", NAME);
    ((ObjectNode) crd.get("spec")).put("group", GROUP);
    return crd;
  }

  static ObjectNode specSchema(ObjectNode crd) {
    return (ObjectNode) crd.at("/spec/versions/0/schema/openAPIV3Schema/properties/spec");
  }

  @Test
  void kubectlServerSideApplyWithForceConflictsUpgradesCrdsHelmInstalled() throws Exception {
    // the previous release's CRD, created as Helm creates crds/ on install
    ObjectNode old = copyOfTheCommittedCrd();
    ((ObjectNode) specSchema(old).get("properties")).remove("verify");
    specSchema(old).put("description", "an older description");
    Path oldFile = tmp.resolve("old-databasebackups.yaml");
    Files.writeString(oldFile, YAML.writeValueAsString(old));
    Result install = kubectl("create", "--field-manager=helm", "-f", oldFile.toString());
    assertThat(install.exitCode()).as(install.output()).isZero();
    CustomResourceDefinition created = admin().apiextensions().v1().customResourceDefinitions().withName(NAME).get();
    assertThat(created.getMetadata().getManagedFields()).extracting(f -> f.getManager()).contains("helm");
    admin().apiextensions().v1().customResourceDefinitions().withName(NAME)
        .waitUntilCondition(c -> c.getStatus() != null && c.getStatus().getConditions().stream()
            .anyMatch(x -> "Established".equals(x.getType()) && "True".equals(x.getStatus())), 30, TimeUnit.SECONDS);
    ResourceDefinitionContext kind = new ResourceDefinitionContext.Builder()
        .withGroup(GROUP).withVersion("v1alpha1").withPlural("databasebackups").withKind("DatabaseBackup").withNamespaced(true).build();
    GenericKubernetesResource existing = Serialization.unmarshal("""
        apiVersion: crdupgrade.turnout.test/v1alpha1
        kind: DatabaseBackup
        metadata: {name: mongo-prod, namespace: %s}
        spec:
          mongodb: {uriSecretRef: {name: mongodb, key: MONGODB_URI}}
          schedule: "0 3 * * *"
          storage: {s3: {bucket: backups, credentialsSecretRef: {name: backup-s3}}}
        """.formatted(NS.name()), GenericKubernetesResource.class);
    admin().genericKubernetesResources(kind).inNamespace(NS.name()).resource(existing).create();

    // the upgrade: crds/ of the new release, written as the user's checkout has them
    Path dir = Files.createDirectories(tmp.resolve("crds"));
    Files.writeString(dir.resolve("databasebackups.yaml"), YAML.writeValueAsString(copyOfTheCommittedCrd()));

    Result plain = kubectl("apply", "--server-side", "-f", dir.toString());
    assertThat(plain.exitCode()).as(plain.output()).isNotZero();
    assertThat(plain.output()).as("server-side apply names the conflict with Helm's fields")
        .contains("conflict").contains("\"helm\"");

    Result forced = kubectl("apply", "--server-side", "--force-conflicts", "-f", dir.toString());
    assertThat(forced.exitCode()).as(forced.output()).isZero();
    CustomResourceDefinition upgraded = admin().apiextensions().v1().customResourceDefinitions().withName(NAME).get();
    assertThat(upgraded.getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema().getProperties().get("spec").getProperties())
        .as("the new schema is served").containsKey("verify");
    assertThat(admin().genericKubernetesResources(kind).inNamespace(NS.name()).withName("mongo-prod").get())
        .as("the resources of the old schema are kept").isNotNull();
    // and a field of the new schema is accepted with strict validation, as kubectl apply asks for
    GenericKubernetesResource withVerify = admin().genericKubernetesResources(kind).inNamespace(NS.name()).withName("mongo-prod")
        .edit(r -> {
          @SuppressWarnings("unchecked")
          Map<String, Object> spec = (Map<String, Object>) r.getAdditionalProperties().get("spec");
          spec.put("verify", Map.of("mode", "RestoreTest"));
          return r;
        });
    assertThat(withVerify.get("spec", "verify", "mode").toString()).isEqualTo("RestoreTest");
  }

  record Result(int exitCode, String output) {}

  Result kubectl(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(ControlPlane.kubectl().toString(), "--kubeconfig",
        NS.tier().plane().adminKubeconfig().toString()));
    cmd.addAll(List.of(args));
    Path out = tmp.resolve("kubectl-" + System.nanoTime() + ".out");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("kubectl %s finished", args[0]).isTrue();
    return new Result(p.exitValue(), Files.readString(out));
  }
}
