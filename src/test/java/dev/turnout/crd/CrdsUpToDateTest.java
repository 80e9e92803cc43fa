package dev.turnout.crd;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.turnout.apprelease.AppRelease;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * crds/ must be exactly what the Java types generate. Run with -Dturnout.crds.write=true (make crds) to rewrite
 * crds/ instead of comparing.
 */
class CrdsUpToDateTest {
  /** kubectl apply (client-side) keeps the whole object in an annotation limited to 256 KiB. */
  static final int MAX_CRD_BYTES = 256 * 1024;

  static Map<String, String> generated;

  @BeforeAll
  static void generate() throws IOException {
    generated = CrdFiles.generate();
    if (Boolean.getBoolean("turnout.crds.write")) {
      // the Helm chart ships the same files in its crds/ (HelmChartTest checks they are identical)
      for (Path dir : new Path[] {CrdFiles.dir(), Path.of("helm/turnout/crds")}) {
        write(dir);
      }
    }
  }

  static void write(Path dir) throws IOException {
    {
      Files.createDirectories(dir);
      try (Stream<Path> old = Files.list(dir)) {
        for (Path p : (Iterable<Path>) old::iterator) {
          if (p.getFileName().toString().endsWith(".yaml") && !generated.containsKey(p.getFileName().toString())) {
            Files.delete(p);
          }
        }
      }
      for (Map.Entry<String, String> e : generated.entrySet()) {
        Files.writeString(dir.resolve(e.getKey()), e.getValue(), StandardCharsets.UTF_8);
      }
      System.out.println("Wrote " + generated.size() + " CRDs to " + dir);
    }
  }

  @Test
  void committedCrdsMatchTheCode() throws IOException {
    Path dir = CrdFiles.dir();
    Set<String> committed = new TreeSet<>();
    if (Files.isDirectory(dir)) {
      try (Stream<Path> files = Files.list(dir)) {
        files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yaml")).forEach(committed::add);
      }
    }
    String hint = "crds/ is out of date with the Java types; regenerate it with: " + CrdFiles.REGENERATE;
    assertThat(committed).as(hint).containsExactlyInAnyOrderElementsOf(generated.keySet());
    for (Map.Entry<String, String> e : generated.entrySet()) {
      String actual = Files.readString(dir.resolve(e.getKey()), StandardCharsets.UTF_8);
      assertThat(actual).as(hint + " (file crds/" + e.getKey() + ")").isEqualTo(e.getValue());
    }
  }

  @Test
  void everyCrdIsSmallEnoughForClientSideApply() {
    generated.forEach(
        (name, text) ->
            assertThat(text.getBytes(StandardCharsets.UTF_8).length)
                .as("size of crds/%s", name)
                .isLessThan(MAX_CRD_BYTES));
  }

  @Test
  void printerColumnsFollowTheAnnotationOrder() {
    JsonNode crd = CrdFiles.loadCommitted().get("appreleases.turnout.dev.yaml");
    List<String> names = new ArrayList<>();
    crd.path("spec").path("versions").get(0).path("additionalPrinterColumns").forEach(c -> names.add(c.path("name").asText()));
    assertThat(names).containsExactly("VERSION", "ACTIVE", "PREVIEW", "REVISION", "PHASE", "AGE");

    Map<String, JsonNode> byKind =
        CrdFiles.loadCommitted().values().stream()
            .collect(Collectors.toMap(c -> c.path("spec").path("names").path("kind").asText(), c -> c));
    for (Class<?> type : CrdFiles.RESOURCES) {
      List<String> declared = new ArrayList<>();
      for (AdditionalPrinterColumn a : type.getAnnotationsByType(AdditionalPrinterColumn.class)) {
        declared.add(a.name());
      }
      List<String> columns = new ArrayList<>();
      byKind.get(type.getSimpleName()).path("spec").path("versions").get(0).path("additionalPrinterColumns")
          .forEach(c -> columns.add(c.path("name").asText()));
      assertThat(columns).as("printer columns of %s", type.getSimpleName()).containsExactlyElementsOf(declared);
    }
    assertThat(AppRelease.class.getAnnotationsByType(AdditionalPrinterColumn.class)).hasSize(6);
  }

  @Test
  void everyPropertyHasADescription() {
    List<String> missing = new ArrayList<>();
    CrdFiles.loadCommitted().forEach(
        (file, crd) -> {
          for (JsonNode version : crd.path("spec").path("versions")) {
            collectMissing(version.path("schema").path("openAPIV3Schema"), file + ": ", missing);
          }
        });
    assertThat(missing)
        .as("properties without a description (kubectl explain shows nothing for them): add @JsonPropertyDescription")
        .isEmpty();
  }

  private static void collectMissing(JsonNode schema, String path, List<String> missing) {
    JsonNode props = schema.path("properties");
    for (Iterator<Map.Entry<String, JsonNode>> it = props.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String p = path + (path.endsWith(": ") ? "" : ".") + e.getKey();
      if (e.getValue().path("description").asText("").isBlank()) {
        missing.add(p);
      }
      collectMissing(e.getValue(), p, missing);
    }
    if (schema.has("items")) {
      collectMissing(schema.get("items"), path + "[]", missing);
    }
    if (schema.path("additionalProperties").isObject()) {
      collectMissing(schema.get("additionalProperties"), path + "{}", missing);
    }
  }

  /** The API server rejects a CRD whose defaults do not validate against their own field (e.g. default: null). */
  @Test
  void everyDefaultIsValidForItsField() {
    List<String> invalid = new ArrayList<>();
    CrdFiles.loadCommitted().forEach(
        (file, crd) -> {
          for (JsonNode version : crd.path("spec").path("versions")) {
            collectInvalidDefaults(version.path("schema").path("openAPIV3Schema"), file + ": ", invalid);
          }
        });
    assertThat(invalid).isEmpty();
  }

  private static void collectInvalidDefaults(JsonNode schema, String path, List<String> invalid) {
    if (schema.has("default")) {
      JsonNode converted = CrdValidator.toJsonSchema(schema, false);
      var errors =
          com.networknt.schema.JsonSchemaFactory.getInstance(com.networknt.schema.SpecVersion.VersionFlag.V7)
              .getSchema(converted)
              .validate(schema.get("default"));
      if (schema.get("default").isNull() || !errors.isEmpty()) {
        invalid.add(path + " default " + schema.get("default") + " " + errors);
      }
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = schema.path("properties").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      collectInvalidDefaults(e.getValue(), path + (path.endsWith(": ") ? "" : ".") + e.getKey(), invalid);
    }
    if (schema.has("items")) {
      collectInvalidDefaults(schema.get("items"), path + "[]", invalid);
    }
  }

  @Test
  void everyCrdIsNamespacedWithAStatusSubresource() {
    Map<String, JsonNode> crds = CrdFiles.loadCommitted();
    assertThat(crds.keySet())
        .containsExactlyInAnyOrder(
            "appreleases.turnout.dev.yaml",
            "healthpolicies.turnout.dev.yaml",
            "databasebackups.turnout.dev.yaml",
            "databaserestores.turnout.dev.yaml");
    Map<String, String> shortNames =
        crds.values().stream()
            .collect(
                Collectors.toMap(
                    c -> c.path("spec").path("names").path("kind").asText(),
                    c -> c.path("spec").path("names").path("shortNames").get(0).asText()));
    assertThat(shortNames)
        .containsExactlyInAnyOrderEntriesOf(
            Map.of("AppRelease", "ar", "HealthPolicy", "hp", "DatabaseBackup", "dbb", "DatabaseRestore", "dbr"));
    for (JsonNode crd : crds.values()) {
      assertThat(crd.path("spec").path("scope").asText()).isEqualTo("Namespaced");
      JsonNode v = crd.path("spec").path("versions").get(0);
      assertThat(v.path("name").asText()).isEqualTo("v1alpha1");
      assertThat(v.path("subresources").has("status")).isTrue();
    }
  }
}
