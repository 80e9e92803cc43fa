package dev.turnout.crd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
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
 * docs/reference/&lt;kind&gt;.md, one page per custom resource, generated from the committed CRDs (crds/): every field of
 * spec and status with its type, default, constraints and description (the text `kubectl explain` shows), the CEL
 * rules, the printer columns. `make crds` writes them; {@link ReferenceDocsUpToDateTest} fails when they drift.
 */
public final class ReferenceDocs {
  static final Path DIR = Path.of("docs/reference");
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private ReferenceDocs() {}

  /** File name (kind in lower case + .md) to its text, for every CRD in crds/. */
  public static Map<String, String> generate() {
    Map<String, String> pages = new LinkedHashMap<>();
    try (Stream<Path> files = Files.list(Path.of("crds"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
        JsonNode crd = YAML.readTree(Files.readString(f));
        String kind = crd.at("/spec/names/kind").asText();
        pages.put(kind.toLowerCase() + ".md", page(crd, f.getFileName().toString()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return pages;
  }

  static String page(JsonNode crd, String file) {
    JsonNode names = crd.at("/spec/names");
    JsonNode version = crd.at("/spec/versions/0");
    JsonNode schema = version.at("/schema/openAPIV3Schema");
    String kind = names.path("kind").asText();
    StringBuilder md = new StringBuilder();
    md.append("# ").append(kind).append(" reference\n\n");
    md.append("<!-- Generated from crds/").append(file).append(" by `make crds` (dev.turnout.crd.ReferenceDocs): edit the Java types,"
        + " not this page. -->\n\n");
    md.append(schema.path("description").asText()).append(" The guide is [").append(kind.toLowerCase()).append(".md](../")
        .append(kind.toLowerCase()).append(".md).\n\n");
    md.append("| | |\n| --- | --- |\n");
    md.append("| apiVersion | `").append(crd.at("/spec/group").asText()).append('/').append(version.path("name").asText()).append("` |\n");
    md.append("| scope | ").append(crd.at("/spec/scope").asText()).append(" |\n");
    md.append("| plural, short names | `").append(names.path("plural").asText()).append('`');
    names.path("shortNames").forEach(n -> md.append(", `").append(n.asText()).append('`'));
    md.append(" |\n");
    md.append("| subresources | ");
    List<String> subs = new ArrayList<>();
    version.path("subresources").fieldNames().forEachRemaining(subs::add);
    md.append(subs.isEmpty() ? "none" : String.join(", ", subs)).append(" |\n\n");

    if (version.has("additionalPrinterColumns")) {
      md.append("## kubectl get columns\n\n| column | from | type |\n| --- | --- | --- |\n");
      version.path("additionalPrinterColumns").forEach(c -> md.append("| ").append(c.path("name").asText()).append(" | `")
          .append(c.path("jsonPath").asText()).append("` | ").append(c.path("type").asText()).append(" |\n"));
      md.append('\n');
    }
    List<String[]> rules = new ArrayList<>();
    collectRules("", schema, rules);
    if (!rules.isEmpty()) {
      md.append("## Validation rules (CEL, checked by the API server)\n\n| on | rule | message |\n| --- | --- | --- |\n");
      rules.forEach(r -> md.append("| `").append(r[0].isEmpty() ? "(the resource)" : r[0]).append("` | `").append(cell(r[1]))
          .append("` | ").append(cell(r[2])).append(" |\n"));
      md.append('\n');
    }
    for (String part : List.of("spec", "status")) {
      JsonNode node = schema.at("/properties/" + part);
      if (node.isMissingNode()) {
        continue;
      }
      md.append("## ").append(part).append("\n\n").append(node.path("description").asText()).append("\n\n");
      md.append("| field | type | default | constraints | description |\n| --- | --- | --- | --- | --- |\n");
      fields(part, node, md);
      md.append('\n');
    }
    return md.toString();
  }

  static void fields(String path, JsonNode node, StringBuilder md) {
    JsonNode props = node.path("properties");
    List<String> required = new ArrayList<>();
    node.path("required").forEach(r -> required.add(r.asText()));
    for (Iterator<Map.Entry<String, JsonNode>> it = props.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> f = it.next();
      String p = path + "." + f.getKey();
      JsonNode field = f.getValue();
      List<String> constraints = new ArrayList<>();
      if (required.contains(f.getKey())) {
        constraints.add("required");
      }
      constraints.addAll(constraints(field));
      md.append("| `").append(p).append("` | ").append(type(field)).append(" | ")
          .append(field.has("default") ? "`" + field.get("default").toString().replace("\"", "") + "`" : "").append(" | ")
          .append(cell(String.join("; ", constraints))).append(" | ").append(cell(field.path("description").asText())).append(" |\n");
      if (field.has("properties")) {
        fields(p, field, md);
      } else if (field.path("items").has("properties")) {
        fields(p + "[]", field.path("items"), md);
      }
    }
  }

  static List<String> constraints(JsonNode f) {
    List<String> c = new ArrayList<>();
    if (f.has("enum")) {
      List<String> values = new ArrayList<>();
      f.get("enum").forEach(v -> values.add(v.asText()));
      c.add("one of " + String.join(", ", values));
    }
    if (f.has("pattern")) {
      c.add("pattern `" + f.get("pattern").asText() + "`");
    }
    for (String k : List.of("minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems")) {
      if (f.has(k)) {
        c.add(k + " " + f.get(k).decimalValue().stripTrailingZeros().toPlainString());
      }
    }
    if (f.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
      c.add("any fields (not pruned)");
    }
    return c;
  }

  static String type(JsonNode f) {
    if (f.path("x-kubernetes-int-or-string").asBoolean(false)) {
      return "integer or string";
    }
    String t = f.path("type").asText("");
    if ("array".equals(t)) {
      return "array of " + type(f.path("items"));
    }
    if ("object".equals(t) && f.has("additionalProperties")) {
      return "map of " + type(f.path("additionalProperties"));
    }
    return t.isEmpty() ? "any" : t;
  }

  static void collectRules(String path, JsonNode node, List<String[]> out) {
    node.path("x-kubernetes-validations").forEach(v ->
        out.add(new String[] {path, v.path("rule").asText(), v.path("message").asText()}));
    node.path("properties").fields().forEachRemaining(f ->
        collectRules(path.isEmpty() ? f.getKey() : path + "." + f.getKey(), f.getValue(), out));
    if (node.has("items")) {
      collectRules(path + "[]", node.path("items"), out);
    }
  }

  /** A table cell: pipes escaped, line breaks as spaces. */
  static String cell(String s) {
    return s.replace("|", "\\|").replace("\n", " ");
  }
}
