package dev.turnout.crd;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import dev.turnout.apprelease.AppRelease;
import dev.turnout.backup.DatabaseBackup;
import dev.turnout.healthpolicy.HealthPolicy;
import dev.turnout.restore.DatabaseRestore;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Every YAML document under k8s/examples/ is valid: turnout.dev resources against the CRDs, the rest as fabric8 objects. */
class ExamplesTest {
  static final Path EXAMPLES = Paths.get("k8s", "examples");
  static final Map<String, Class<? extends HasMetadata>> TURNOUT_TYPES =
      Map.of(
          "AppRelease", AppRelease.class,
          "HealthPolicy", HealthPolicy.class,
          "DatabaseBackup", DatabaseBackup.class,
          "DatabaseRestore", DatabaseRestore.class);

  static CrdValidator validator;
  static List<Doc> docs;

  record Doc(String file, int index, JsonNode node) {
    String kind() {
      return node.path("kind").asText();
    }

    String namespace() {
      return node.path("metadata").path("namespace").asText();
    }

    String name() {
      return node.path("metadata").path("name").asText();
    }

    @Override
    public String toString() {
      return file + "#" + index + " " + kind() + " " + namespace() + "/" + name();
    }
  }

  @BeforeAll
  static void load() throws IOException {
    validator = CrdValidator.forCommittedCrds();
    docs = new ArrayList<>();
    List<Path> files;
    try (Stream<Path> walk = Files.walk(EXAMPLES)) {
      files = walk.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().toList();
    }
    for (Path f : files) {
      try (MappingIterator<JsonNode> it = CrdFiles.yaml().readerFor(JsonNode.class).readValues(f.toFile())) {
        int i = 0;
        while (it.hasNext()) {
          JsonNode node = it.next();
          if (node != null && !node.isNull() && !node.isEmpty()) {
            docs.add(new Doc(EXAMPLES.relativize(f).toString(), i, node));
          }
          i++;
        }
      }
    }
  }

  @TestFactory
  Stream<DynamicTest> everyDocumentIsValid() {
    assertThat(docs).isNotEmpty();
    return docs.stream().map(d -> DynamicTest.dynamicTest(d.toString(), () -> check(d)));
  }

  private static void check(Doc d) {
    assertThat(d.node().path("apiVersion").asText()).as("apiVersion of %s", d).isNotEmpty();
    assertThat(d.name()).as("metadata.name of %s", d).isNotEmpty();
    String json = d.node().toString();
    if (d.node().path("apiVersion").asText().startsWith("turnout.dev/")) {
      assertThat(validator.knows(d.node())).as("a CRD for %s", d).isTrue();
      assertThat(validator.validate(d.node())).as("validation errors of %s", d).isEmpty();
      assertThat(d.namespace()).as("namespace of %s", d).isNotEmpty();
      // the operator's Java types read it too
      HasMetadata typed = Serialization.unmarshal(json, TURNOUT_TYPES.get(d.kind()));
      assertThat(typed.getMetadata().getName()).isEqualTo(d.name());
    } else {
      HasMetadata parsed = Serialization.unmarshal(json);
      assertThat(parsed).as("%s is a known Kubernetes kind", d).isNotInstanceOf(GenericKubernetesResource.class);
      assertThat(parsed.getKind()).isEqualTo(d.kind());
    }
  }

  @Test
  void theSampleAppIsComplete() {
    Set<String> present = docs.stream().map(d -> d.kind() + " " + d.namespace() + "/" + d.name()).collect(Collectors.toSet());
    assertThat(present)
        .contains(
            "Namespace /auto-author",
            "AppRelease auto-author/backend",
            "HealthPolicy auto-author/backend-health",
            "AppRelease auto-author/frontend",
            "HealthPolicy auto-author/frontend-health",
            "DatabaseBackup auto-author/mongo-prod",
            "Secret auto-author/backup-s3",
            "Secret auto-author/mongodb");
    assertThat(docs).anySatisfy(d -> {
      assertThat(d.kind()).isEqualTo("DatabaseRestore");
      assertThat(d.namespace()).isEqualTo("auto-author-staging");
    });
  }

  @Test
  void referencesResolveWithinTheExamples() {
    Set<String> objects = new HashSet<>();
    docs.forEach(d -> objects.add(d.kind() + " " + d.namespace() + "/" + d.name()));
    List<String> missing = new ArrayList<>();
    for (Doc d : docs) {
      JsonNode spec = d.node().path("spec");
      String ns = d.namespace();
      switch (d.kind()) {
        case "AppRelease" -> {
          need(objects, missing, d, "HealthPolicy " + ns + "/" + spec.path("healthPolicyRef").path("name").asText(), spec.has("healthPolicyRef"));
          need(objects, missing, d, "DatabaseBackup " + ns + "/" + spec.path("backupBeforePromotion").path("name").asText(), spec.has("backupBeforePromotion"));
          for (JsonNode c : spec.path("template").path("spec").path("containers")) {
            for (JsonNode env : c.path("env")) {
              JsonNode ref = env.path("valueFrom").path("secretKeyRef");
              need(objects, missing, d, "Secret " + ns + "/" + ref.path("name").asText(), ref.has("name"));
            }
          }
        }
        case "DatabaseBackup" -> {
          need(objects, missing, d, "Secret " + ns + "/" + spec.path("mongodb").path("uriSecretRef").path("name").asText(), true);
          need(objects, missing, d, "Secret " + ns + "/" + spec.path("storage").path("s3").path("credentialsSecretRef").path("name").asText(), true);
        }
        case "DatabaseRestore" -> {
          JsonNode ref = spec.path("backupRef");
          need(objects, missing, d, "DatabaseBackup " + ref.path("namespace").asText(ns) + "/" + ref.path("name").asText(), ref.has("name"));
          need(objects, missing, d, "Secret " + ns + "/" + spec.path("target").path("uriSecretRef").path("name").asText(), true);
        }
        default -> {}
      }
    }
    assertThat(missing).isEmpty();
  }

  private static void need(Set<String> objects, List<String> missing, Doc from, String object, boolean referenced) {
    if (referenced && !objects.contains(object)) {
      missing.add(from + " refers to missing " + object);
    }
  }

  @Test
  void exampleSecretsHoldOnlyPlaceholders() {
    for (Doc d : docs) {
      if (d.kind().equals("Secret")) {
        Secret s = Serialization.unmarshal(d.node().toString(), Secret.class);
        assertThat(s.getData()).as("%s: use stringData with placeholders", d).isNullOrEmpty();
        assertThat(s.getStringData()).as("%s", d).isNotEmpty();
        s.getStringData().forEach((k, v) -> assertThat(v).as("%s key %s", d, k).contains("REPLACE_ME"));
      }
    }
  }
}
