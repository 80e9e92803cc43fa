package dev.turnout.gitops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LoadState;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.compiler.LuaC;
import org.luaj.vm2.lib.PackageLib;
import org.luaj.vm2.lib.TableLib;
import org.luaj.vm2.lib.jse.JseBaseLib;

/**
 * The Argo CD health checks of deploy/argocd/health/ run as Argo CD runs a check set in argocd-cm: the object as the
 * global {@code obj} (JSON numbers as Lua numbers, null as nil), only the base, package and table libraries open (no
 * string library: Argo CD's util/lua opens it only for its built-in checks), the returned table's {@code status} one of
 * Argo CD's health codes. Over every sample of {@link GitOpsSamples}.
 */
class ArgoCdHealthTest {
  static final Path DIR = Path.of("deploy/argocd/health/turnout.dev");
  static final List<String> KINDS = List.of("AppRelease", "HealthPolicy", "DatabaseBackup", "DatabaseRestore");
  static final Set<String> HEALTH_CODES = Set.of("Healthy", "Progressing", "Degraded", "Suspended", "Missing", "Unknown");
  private static final ObjectMapper JSON = new ObjectMapper();

  record Health(String status, String message) {}

  static Stream<GitOpsSamples> samples() {
    return GitOpsSamples.all().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("samples")
  void eachStatusMapsToTheDocumentedHealth(GitOpsSamples sample) throws IOException {
    Health health = run(sample.object());
    assertThat(health.status()).as("%s: %s", sample, health.message()).isEqualTo(sample.argo());
    assertThat(health.message()).contains(sample.message());
  }

  @Test
  void theSamplesCoverEveryKindAndEveryHealthTheChecksGive() {
    Map<String, Set<String>> byKind = GitOpsSamples.all().stream().collect(Collectors.groupingBy(
        s -> s.object().getKind(), Collectors.mapping(GitOpsSamples::argo, Collectors.toSet())));
    assertThat(byKind).containsOnlyKeys(KINDS);
    assertThat(byKind.get("AppRelease")).containsExactlyInAnyOrder("Healthy", "Progressing", "Degraded", "Suspended");
    assertThat(GitOpsSamples.all().stream().filter(s -> s.object().getKind().equals("AppRelease"))).hasSizeGreaterThanOrEqualTo(8);
    assertThat(byKind.get("DatabaseBackup")).contains("Healthy", "Progressing", "Degraded", "Suspended");
  }

  @Test
  void anUnknownPhaseIsUnknownNotHealthy() throws IOException {
    for (String kind : List.of("AppRelease", "DatabaseRestore")) {
      var object = GitOpsSamples.all().stream().filter(s -> s.object().getKind().equals(kind)).findFirst().orElseThrow()
          .object();
      JsonNode json = JSON.readTree(Serialization.asJson(object));
      ((com.fasterxml.jackson.databind.node.ObjectNode) json.get("status")).put("phase", "Exploded");
      Health health = run(kind, json);
      assertThat(health.status()).as(kind).isEqualTo("Unknown");
      assertThat(health.message()).contains("unknown phase Exploded");
    }
  }

  @Test
  void theChecksUseNoStringLibraryAsArgoCdOpensNoneForThem() {
    // the sandbox really lacks it: a check calling string.find would fail in Argo CD and here alike
    Globals g = argoGlobals();
    g.set("obj", new LuaTable());
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> g.load("return string.find('a', 'a')", "probe").call())
        .isInstanceOf(LuaError.class);
  }

  static Health run(HasMetadata object) throws IOException {
    return run(object.getKind(), JSON.readTree(Serialization.asJson(object)));
  }

  static Health run(String kind, JsonNode object) throws IOException {
    String script = Files.readString(DIR.resolve(kind).resolve("health.lua"));
    Globals g = argoGlobals();
    g.set("obj", lua(object));
    LuaValue result = g.load(script, kind + "/health.lua").call();
    assertThat(result.istable()).as("%s/health.lua returns a table", kind).isTrue();
    String status = result.get("status").optjstring(null);
    assertThat(status).as("%s/health.lua: status is one of Argo CD's health codes", kind).isIn(HEALTH_CODES);
    return new Health(status, result.get("message").optjstring(""));
  }

  /** Base, package and table, as Argo CD's util/lua opens them for a check from argocd-cm (plus its safe os, unused). */
  static Globals argoGlobals() {
    Globals g = new Globals();
    g.load(new JseBaseLib());
    g.load(new PackageLib());
    g.load(new TableLib());
    LoadState.install(g);
    LuaC.install(g);
    return g;
  }

  /** JSON to Lua as Argo CD's decodeValue does it: objects and arrays to tables, numbers to numbers, null to nil. */
  static LuaValue lua(JsonNode n) {
    if (n == null || n.isNull() || n.isMissingNode()) {
      return LuaValue.NIL;
    }
    if (n.isObject()) {
      LuaTable t = new LuaTable();
      n.fields().forEachRemaining(e -> t.set(e.getKey(), lua(e.getValue())));
      return t;
    }
    if (n.isArray()) {
      LuaTable t = new LuaTable();
      int i = 1;
      for (JsonNode item : n) {
        t.set(i++, lua(item));
      }
      return t;
    }
    if (n.isBoolean()) {
      return LuaValue.valueOf(n.booleanValue());
    }
    if (n.isNumber()) {
      return LuaValue.valueOf(n.doubleValue());
    }
    return LuaValue.valueOf(n.asText());
  }
}
