package dev.turnout.helm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.marcnuri.helm.Helm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * k8s/ (kustomize) generated from the Helm chart, so the two cannot drift: k8s/base is the chart rendered with its
 * defaults (cluster-wide) plus a copy of crds/; k8s/overlays/all-namespaces is the base; k8s/overlays/single-namespace
 * turns the base into the chart's render with {@code watchNamespaces={turnout-system}} (the operator watches the
 * namespace it runs in): the objects that render adds, {@code $patch: delete} for the ones it drops, and JSON 6902
 * patches computed from the differences of the ones it changes. `make crds` writes them ({@link
 * ManifestsUpToDateTest} with -Dturnout.manifests.write=true); KustomizeRealIT checks that the real kubectl's
 * kustomize builds exactly the chart's renders from them.
 */
public final class KustomizeManifests {
  public static final Path CHART = Path.of("helm/turnout");
  public static final Path K8S = Path.of("k8s");
  public static final String NAMESPACE = "turnout-system";
  static final String HEADER = "# Generated from helm/turnout by `make crds` (dev.turnout.helm.KustomizeManifests): edit the chart, not this file.\n";
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER).enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
      // "8080" stays a string (an annotation value); unquoted it would be read back as a number
      .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS));

  private KustomizeManifests() {}

  /** The chart as `helm template turnout helm/turnout -n turnout-system [--set ...]` renders it, one node per object. */
  public static List<ObjectNode> render(String... sets) {
    var cmd = new Helm(CHART).template().withName("turnout").withNamespace(NAMESPACE).withKubeVersion("1.28.0");
    for (int i = 0; i < sets.length; i += 2) {
      cmd = cmd.set(sets[i], sets[i + 1]);
    }
    return parseAll(cmd.call());
  }

  /** The namespace-scoped render the single-namespace overlay stands for. */
  public static List<ObjectNode> renderSingleNamespace() {
    return render("watchNamespaces[0]", NAMESPACE);
  }

  public static List<ObjectNode> parseAll(String yaml) {
    List<ObjectNode> objects = new ArrayList<>();
    for (String doc : yaml.split("(?m)^---\\s*$")) {
      if (doc.lines().allMatch(l -> l.isBlank() || l.stripLeading().startsWith("#"))) {
        continue;
      }
      try {
        JsonNode node = YAML.readTree(doc);
        if (node instanceof ObjectNode o && o.has("kind")) {
          objects.add(o);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return objects;
  }

  /**
   * The object with every number that is a whole number written as an integer: kustomize writes the CRDs' 1000.0 as
   * 1000, which the API server reads as the same value.
   */
  public static JsonNode canonical(JsonNode node) {
    if (node.isObject()) {
      ObjectNode o = JsonNodeFactory.instance.objectNode();
      node.fields().forEachRemaining(f -> o.set(f.getKey(), canonical(f.getValue())));
      return o;
    }
    if (node.isArray()) {
      ArrayNode a = JsonNodeFactory.instance.arrayNode();
      node.forEach(n -> a.add(canonical(n)));
      return a;
    }
    if (node.isNumber() && node.decimalValue().stripTrailingZeros().scale() <= 0) {
      return JsonNodeFactory.instance.numberNode(node.decimalValue().toBigIntegerExact());
    }
    return node;
  }

  /** kind/namespace/name, how kustomize tells objects apart. */
  public static String id(JsonNode o) {
    return o.path("apiVersion").asText() + "/" + o.path("kind").asText() + "/" + o.path("metadata").path("namespace").asText("")
        + "/" + o.path("metadata").path("name").asText();
  }

  /** Every file of k8s/base and k8s/overlays, path relative to the repository, and its text. */
  public static Map<Path, String> generate() {
    Map<Path, String> files = new LinkedHashMap<>();
    Path base = K8S.resolve("base");
    List<String> baseResources = new ArrayList<>();
    try (Stream<Path> crds = Files.list(Path.of("crds"))) {
      for (Path crd : crds.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
        files.put(base.resolve("crds").resolve(crd.getFileName()), Files.readString(crd));
        baseResources.add("crds/" + crd.getFileName());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<ObjectNode> clusterWide = render();
    files.put(base.resolve("operator.yaml"), HEADER + docs(clusterWide));
    baseResources.add("operator.yaml");
    files.put(base.resolve("kustomization.yaml"), HEADER
        + "# The chart's default install (cluster-wide) in namespace " + NAMESPACE + ", with Turnout's CRDs.\n"
        + kustomization(baseResources, List.of()));

    files.put(K8S.resolve("overlays/all-namespaces/kustomization.yaml"), HEADER
        + "# Turnout watching every namespace (helm install with default values).\n"
        + kustomization(List.of("../../base"), List.of()));

    Map<String, ObjectNode> before = byId(clusterWide);
    Map<String, ObjectNode> after = byId(renderSingleNamespace());
    List<ObjectNode> added = after.entrySet().stream().filter(e -> !before.containsKey(e.getKey())).map(Map.Entry::getValue).toList();
    List<ObjectNode> patches = new ArrayList<>();
    for (Map.Entry<String, ObjectNode> e : before.entrySet()) {
      ObjectNode was = e.getValue();
      ObjectNode now = after.get(e.getKey());
      if (now == null) {
        patches.add(patch(was, "$patch: delete\napiVersion: " + was.path("apiVersion").asText() + "\nkind: " + was.path("kind").asText()
            + "\nmetadata:\n  name: " + was.path("metadata").path("name").asText() + "\n"));
      } else if (!was.equals(now)) {
        ArrayNode ops = JsonNodeFactory.instance.arrayNode();
        diff("", was, now, ops);
        patches.add(patch(was, writeYaml(ops)));
      }
    }
    Path single = K8S.resolve("overlays/single-namespace");
    List<String> resources = new ArrayList<>(List.of("../../base"));
    if (!added.isEmpty()) {
      files.put(single.resolve("namespace-scoped.yaml"), HEADER + docs(added));
      resources.add("namespace-scoped.yaml");
    }
    files.put(single.resolve("kustomization.yaml"), HEADER
        + "# Turnout watching only the namespace it runs in (helm install --set watchNamespaces={" + NAMESPACE + "}): Roles\n"
        + "# there instead of the cluster-wide ClusterRole. Another namespace: `namespace: <yours>` in a kustomization\n"
        + "# on top of this one (the operator reads its namespace from the pod).\n"
        + kustomization(resources, patches));
    return files;
  }

  static Map<String, ObjectNode> byId(List<ObjectNode> objects) {
    Map<String, ObjectNode> m = new LinkedHashMap<>();
    objects.forEach(o -> m.put(id(o), o));
    return m;
  }

  static ObjectNode patch(ObjectNode target, String patch) {
    ObjectNode p = JsonNodeFactory.instance.objectNode();
    ObjectNode t = p.putObject("target");
    String apiVersion = target.path("apiVersion").asText();
    int slash = apiVersion.indexOf('/');
    if (slash > 0) {
      t.put("group", apiVersion.substring(0, slash));
    }
    t.put("version", apiVersion.substring(slash + 1));
    t.put("kind", target.path("kind").asText());
    t.put("name", target.path("metadata").path("name").asText());
    if (target.path("metadata").has("namespace")) {
      t.put("namespace", target.path("metadata").path("namespace").asText());
    }
    p.put("patch", patch);
    return p;
  }

  /** RFC 6902 operations turning {@code a} into {@code b}: objects key by key, arrays of one length item by item. */
  static void diff(String path, JsonNode a, JsonNode b, ArrayNode ops) {
    if (a.equals(b)) {
      return;
    }
    if (a.isObject() && b.isObject()) {
      for (Iterator<String> it = a.fieldNames(); it.hasNext(); ) {
        String k = it.next();
        if (!b.has(k)) {
          ops.addObject().put("op", "remove").put("path", path + "/" + escape(k));
        }
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = b.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> f = it.next();
        if (!a.has(f.getKey())) {
          ops.addObject().put("op", "add").put("path", path + "/" + escape(f.getKey())).set("value", f.getValue());
        } else {
          diff(path + "/" + escape(f.getKey()), a.get(f.getKey()), f.getValue(), ops);
        }
      }
    } else if (a.isArray() && b.isArray() && a.size() == b.size()) {
      for (int i = 0; i < a.size(); i++) {
        diff(path + "/" + i, a.get(i), b.get(i), ops);
      }
    } else {
      ops.addObject().put("op", "replace").put("path", path).set("value", b);
    }
  }

  static String escape(String key) {
    return key.replace("~", "~0").replace("/", "~1");
  }

  static String kustomization(List<String> resources, List<ObjectNode> patches) {
    ObjectNode k = JsonNodeFactory.instance.objectNode();
    k.put("apiVersion", "kustomize.config.k8s.io/v1beta1");
    k.put("kind", "Kustomization");
    resources.forEach(k.putArray("resources")::add);
    if (!patches.isEmpty()) {
      patches.forEach(k.putArray("patches")::add);
    }
    return writeYaml(k);
  }

  static String docs(List<ObjectNode> objects) {
    StringBuilder sb = new StringBuilder();
    for (ObjectNode o : objects) {
      sb.append("---\n").append(writeYaml(o));
    }
    return sb.toString();
  }

  static String writeYaml(JsonNode node) {
    try {
      return YAML.writeValueAsString(node);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
