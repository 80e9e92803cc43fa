package dev.turnout.gitops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.cel.bundle.Cel;
import dev.cel.bundle.CelFactory;
import dev.cel.common.types.SimpleType;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * deploy/flux/kustomization.yaml: a Flux Kustomization (kustomize.toolkit.fluxcd.io/v1) whose healthCheckExprs, run as
 * kustomize-controller runs them (RFC-0009: observedGeneration != generation is in progress; then inProgress, failed,
 * current in that order, the first true wins, none true is in progress; the object's top-level fields are the CEL
 * variables, and an expression that errors, e.g. on a missing status, leaves the object in progress until the timeout),
 * agree with the Argo CD checks over every sample.
 */
class FluxHealthTest {
  static final Path FILE = Path.of("deploy/flux/kustomization.yaml");
  static final Set<String> SPEC_FIELDS = Set.of("interval", "path", "prune", "sourceRef", "wait", "timeout",
      "healthCheckExprs", "healthChecks", "targetNamespace", "dependsOn", "retryInterval");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Cel CEL = CelFactory.standardCelBuilder()
      .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
      .addVar("apiVersion", SimpleType.DYN).addVar("kind", SimpleType.DYN).addVar("metadata", SimpleType.DYN)
      .addVar("spec", SimpleType.DYN).addVar("status", SimpleType.DYN)
      .build();

  static JsonNode kustomization() throws IOException {
    return YAML.readTree(FILE.toFile());
  }

  @Test
  void isAFluxV1KustomizationWithAHealthCheckPerKind() throws IOException {
    JsonNode k = kustomization();
    assertThat(k.path("apiVersion").asText()).isEqualTo("kustomize.toolkit.fluxcd.io/v1");
    assertThat(k.path("kind").asText()).isEqualTo("Kustomization");
    List<String> fields = new ArrayList<>();
    k.path("spec").fieldNames().forEachRemaining(fields::add);
    assertThat(fields).as("fields of Kustomization v1's spec").isSubsetOf(SPEC_FIELDS).contains("interval", "prune",
        "sourceRef", "healthCheckExprs");
    assertThat(k.path("spec").path("wait").asBoolean()).as("wait: true health-checks every applied object").isTrue();
    List<String> kinds = new ArrayList<>();
    for (JsonNode e : k.path("spec").path("healthCheckExprs")) {
      assertThat(e.path("apiVersion").asText()).isEqualTo("turnout.dev/v1alpha1");
      assertThat(e.path("current").asText()).as("current is required").isNotBlank();
      List<String> keys = new ArrayList<>();
      e.fieldNames().forEachRemaining(keys::add);
      assertThat(keys).isSubsetOf("apiVersion", "kind", "current", "inProgress", "failed");
      kinds.add(e.path("kind").asText());
    }
    assertThat(kinds).containsExactlyInAnyOrderElementsOf(ArgoCdHealthTest.KINDS);
  }

  static Stream<GitOpsSamples> samples() {
    return GitOpsSamples.all().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("samples")
  void eachStatusGivesTheResultThatMatchesArgoCdsHealth(GitOpsSamples sample) throws Exception {
    assertThat(status(sample.object())).as(sample.toString()).isEqualTo(sample.flux());
    // the same verdict as Argo CD, Suspended aside (Flux has none: waiting for a person is current, not a timeout)
    String argo = sample.argo();
    String expected = switch (argo) {
      case "Healthy", "Suspended" -> "Current";
      case "Degraded" -> "Failed";
      default -> "InProgress";
    };
    assertThat(sample.flux()).as("%s: Flux agrees with Argo CD's %s", sample, argo).isEqualTo(expected);
  }

  /** Current, Failed or InProgress, as kustomize-controller's CEL status reader decides it. */
  static String status(io.fabric8.kubernetes.api.model.HasMetadata object) throws Exception {
    JsonNode json = JSON.readTree(Serialization.asJson(object));
    JsonNode observed = json.path("status").path("observedGeneration");
    if (!observed.isMissingNode() && observed.asLong() != json.path("metadata").path("generation").asLong()) {
      return "InProgress";
    }
    JsonNode exprs = null;
    for (JsonNode e : kustomization().path("spec").path("healthCheckExprs")) {
      if (e.path("kind").asText().equals(object.getKind())) {
        exprs = e;
      }
    }
    assertThat(exprs).as("healthCheckExprs for %s", object.getKind()).isNotNull();
    Map<String, Object> vars = new HashMap<>();
    json.fields().forEachRemaining(f -> vars.put(f.getKey(), cel(f.getValue())));
    for (String[] e : new String[][] {{"inProgress", "InProgress"}, {"failed", "Failed"}, {"current", "Current"}}) {
      String expr = exprs.path(e[0]).asText("");
      if (expr.isBlank()) {
        continue;
      }
      Object result;
      try {
        result = CEL.createProgram(CEL.compile(expr).getAst()).eval(vars);
      } catch (CelEvaluationException missingField) {
        return "InProgress"; // kustomize-controller keeps waiting on an expression that cannot be evaluated yet
      }
      if (Boolean.TRUE.equals(result)) {
        return e[1];
      }
    }
    return "InProgress";
  }

  private static Object cel(JsonNode n) {
    if (n.isObject()) {
      Map<String, Object> out = new LinkedHashMap<>();
      n.fields().forEachRemaining(f -> {
        if (!f.getValue().isNull()) {
          out.put(f.getKey(), cel(f.getValue()));
        }
      });
      return out;
    }
    if (n.isArray()) {
      List<Object> out = new ArrayList<>();
      n.forEach(x -> out.add(cel(x)));
      return out;
    }
    if (n.isIntegralNumber()) {
      return n.asLong();
    }
    if (n.isNumber()) {
      return n.asDouble();
    }
    if (n.isBoolean()) {
      return n.asBoolean();
    }
    return n.asText();
  }
}
