package dev.turnout.crd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonNodePath;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.cel.bundle.Cel;
import dev.cel.bundle.CelFactory;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.SimpleType;
import dev.cel.extensions.CelExtensions;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Validates custom resources against the committed CRDs the way the API server does on create and update, because
 * the fabric8 mock server validates nothing:
 *
 * <ol>
 *   <li>schema defaults are applied (the result is available from {@link #withDefaults});
 *   <li>the structural openAPIV3Schema, converted to JSON Schema (draft 7), is checked with networknt's validator;
 *       unknown fields are errors, as with kubectl's default strict field validation;
 *   <li>every x-kubernetes-validations CEL rule is evaluated at its place in the object with cel-java. Rules that
 *       mention oldSelf are transition rules: evaluated only on update, where the old value exists.
 * </ol>
 *
 * Errors name the field path like the API server does, e.g. {@code spec.replicas: Invalid value: -1: should be greater
 * than or equal to 0}.
 */
public final class CrdValidator {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private static final Cel CEL =
      CelFactory.standardCelBuilder()
          .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
          .addVar("self", SimpleType.DYN)
          .addVar("oldSelf", SimpleType.DYN)
          .addCompilerLibraries(CelExtensions.strings(), CelExtensions.lists())
          .addRuntimeLibraries(CelExtensions.strings(), CelExtensions.lists())
          .build();

  private static final Map<String, CelRuntime.Program> PROGRAMS = new ConcurrentHashMap<>();

  /** apiVersion + "/" + kind to the version's openAPIV3Schema. */
  private final Map<String, JsonNode> schemas = new HashMap<>();

  private final Map<String, JsonSchema> jsonSchemas = new HashMap<>();

  public CrdValidator(Iterable<JsonNode> crds) {
    for (JsonNode crd : crds) {
      String group = crd.path("spec").path("group").asText();
      String kind = crd.path("spec").path("names").path("kind").asText();
      for (JsonNode version : crd.path("spec").path("versions")) {
        JsonNode schema = version.path("schema").path("openAPIV3Schema");
        String key = group + "/" + version.path("name").asText() + "/" + kind;
        schemas.put(key, schema);
        ObjectNode converted = (ObjectNode) toJsonSchema(schema, true);
        converted.put("$schema", "http://json-schema.org/draft-07/schema#");
        jsonSchemas.put(key, JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7).getSchema(converted));
        for (String rule : rules(schema)) {
          program(rule); // fail early on a rule that does not compile
        }
      }
    }
  }

  /** A validator for the CRDs committed under crds/. */
  public static CrdValidator forCommittedCrds() {
    return new CrdValidator(CrdFiles.loadCommitted().values());
  }

  /** Whether the resource's apiVersion and kind are those of a known CRD. */
  public boolean knows(JsonNode resource) {
    return schemas.containsKey(key(resource));
  }

  /** Validation errors of a create; empty when the API server would accept it. */
  public List<String> validate(JsonNode resource) {
    return validate(resource, null);
  }

  public List<String> validate(Map<String, ?> resource) {
    return validate((JsonNode) JSON.valueToTree(resource));
  }

  /** Validation errors of an update from {@code old} to {@code resource}; transition rules are evaluated too. */
  public List<String> validateUpdate(JsonNode old, JsonNode resource) {
    return validate(resource, old);
  }

  /** The resource with the schema defaults applied, as the API server stores it. */
  public JsonNode withDefaults(JsonNode resource) {
    JsonNode schema = schemaOf(resource);
    JsonNode copy = resource.deepCopy();
    applyDefaults(schema, copy);
    return copy;
  }

  private List<String> validate(JsonNode resource, JsonNode old) {
    String key = key(resource);
    if (!schemas.containsKey(key)) {
      return List.of("no CRD for apiVersion " + resource.path("apiVersion").asText() + " kind " + resource.path("kind").asText());
    }
    JsonNode schema = schemas.get(key);
    List<String> errors = new ArrayList<>();
    if (resource.path("metadata").path("name").asText("").isEmpty()) {
      errors.add("metadata.name: Required value: name or generateName is required");
    }
    JsonNode obj = withDefaults(resource);
    JsonNode oldObj = old == null ? null : withDefaults(old);

    List<ValidationMessage> messages = new ArrayList<>(jsonSchemas.get(key).validate(obj));
    messages.sort(Comparator.comparing((ValidationMessage m) -> path(m.getInstanceLocation())).thenComparing(ValidationMessage::getMessage));
    for (ValidationMessage m : messages) {
      errors.add(format(m));
    }
    evaluateRules(schema, obj, oldObj, "", true, errors);
    return errors;
  }

  private JsonNode schemaOf(JsonNode resource) {
    JsonNode schema = schemas.get(key(resource));
    if (schema == null) {
      throw new IllegalArgumentException("no CRD for " + key(resource));
    }
    return schema;
  }

  private static String key(JsonNode resource) {
    return resource.path("apiVersion").asText() + "/" + resource.path("kind").asText();
  }

  // ---------------------------------------------------------------- defaulting

  private static void applyDefaults(JsonNode schema, JsonNode value) {
    if (value instanceof ObjectNode obj) {
      JsonNode props = schema.path("properties");
      for (Iterator<Map.Entry<String, JsonNode>> it = props.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        JsonNode prop = e.getValue();
        JsonNode current = obj.get(e.getKey());
        if (current != null && current.isNull() && !prop.path("nullable").asBoolean(false)) {
          obj.remove(e.getKey()); // null of a non-nullable field is pruned before defaulting
          current = null;
        }
        if (current == null && prop.has("default")) {
          obj.set(e.getKey(), prop.get("default").deepCopy());
        }
        if (obj.get(e.getKey()) != null) {
          applyDefaults(prop, obj.get(e.getKey()));
        }
      }
      if (schema.path("additionalProperties").isObject()) {
        obj.fields().forEachRemaining(e -> applyDefaults(schema.get("additionalProperties"), e.getValue()));
      }
    } else if (value instanceof ArrayNode arr && schema.has("items")) {
      arr.forEach(item -> applyDefaults(schema.get("items"), item));
    }
  }

  // ---------------------------------------------------------------- structural schema -> JSON Schema

  private static final List<String> COPIED =
      List.of(
          "required", "enum", "pattern", "minimum", "maximum", "minItems", "maxItems", "minLength", "maxLength",
          "minProperties", "maxProperties", "multipleOf");

  static JsonNode toJsonSchema(JsonNode s, boolean root) {
    ObjectNode out = NODES.objectNode();
    boolean nullable = s.path("nullable").asBoolean(false);
    boolean preserve = s.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
    if (s.path("x-kubernetes-int-or-string").asBoolean(false)) {
      ArrayNode types = out.putArray("type").add("integer").add("string");
      if (nullable) {
        types.add("null");
      }
    } else if (s.has("type")) {
      if (nullable) {
        out.putArray("type").add(s.get("type").asText()).add("null");
      } else {
        out.put("type", s.get("type").asText());
      }
      for (String k : List.of("anyOf", "allOf", "oneOf")) {
        if (s.has(k)) {
          ArrayNode arr = out.putArray(k);
          s.get(k).forEach(x -> arr.add(toJsonSchema(x, false)));
        }
      }
      if (s.has("not")) {
        out.set("not", toJsonSchema(s.get("not"), false));
      }
    }
    for (String k : COPIED) {
      if (s.has(k)) {
        out.set(k, s.get(k).deepCopy());
      }
    }
    // OpenAPI 3.0 has boolean exclusive bounds; JSON Schema draft 7 has numeric ones
    if (s.path("exclusiveMinimum").asBoolean(false) && s.has("minimum")) {
      out.remove("minimum");
      out.set("exclusiveMinimum", s.get("minimum"));
    }
    if (s.path("exclusiveMaximum").asBoolean(false) && s.has("maximum")) {
      out.remove("maximum");
      out.set("exclusiveMaximum", s.get("maximum"));
    }
    ObjectNode props = null;
    if (s.has("properties")) {
      props = out.putObject("properties");
      for (Iterator<Map.Entry<String, JsonNode>> it = s.get("properties").fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        props.set(e.getKey(), toJsonSchema(e.getValue(), false));
      }
    }
    if (root) {
      // apiVersion, kind and metadata are validated by the API server itself, not by the CRD's schema
      if (props == null) {
        props = out.putObject("properties");
      }
      props.putObject("apiVersion").put("type", "string");
      props.putObject("kind").put("type", "string");
      props.putObject("metadata").put("type", "object");
    }
    if (s.path("additionalProperties").isObject()) {
      out.set("additionalProperties", toJsonSchema(s.get("additionalProperties"), false));
    } else if (props != null && !preserve) {
      out.put("additionalProperties", false);
    }
    if (s.has("items")) {
      out.set("items", toJsonSchema(s.get("items"), false));
    }
    return out;
  }

  private static String format(ValidationMessage m) {
    String path = path(m.getInstanceLocation());
    JsonNode value = m.getInstanceNode();
    JsonNode keyword = m.getSchemaNode();
    if (keyword != null && keyword.isObject() && keyword.has(m.getType())) {
      keyword = keyword.get(m.getType());
    }
    String kw =
        keyword == null
            ? "?"
            : keyword.isTextual()
                ? keyword.asText()
                : keyword.isNumber() && keyword.asDouble() == Math.rint(keyword.asDouble())
                    ? Long.toString(keyword.asLong())
                    : keyword.toString();
    String shown = value == null ? "null" : value.isContainerNode() ? "\"" + (value.isArray() ? "array" : "object") + "\"" : value.toString();
    switch (m.getType()) {
      case "required":
        return join(path, m.getProperty()) + ": Required value";
      case "additionalProperties":
        return join(path, m.getProperty()) + ": Invalid value: unknown field \"" + join(path, m.getProperty()) + "\"";
      case "type":
        return path + ": Invalid value: " + shown + ": must be of type " + kw.replace("[", "").replace("]", "").replace("\"", "").replace(",", " or ");
      case "enum":
        return path + ": Unsupported value: " + shown + ": supported values: " + String.join(", ", enumValues(keyword));
      case "pattern":
        return path + ": Invalid value: " + shown + ": should match '" + kw + "'";
      case "minimum":
        return path + ": Invalid value: " + shown + ": should be greater than or equal to " + kw;
      case "maximum":
        return path + ": Invalid value: " + shown + ": should be less than or equal to " + kw;
      case "exclusiveMinimum":
        return path + ": Invalid value: " + shown + ": should be greater than " + kw;
      case "exclusiveMaximum":
        return path + ": Invalid value: " + shown + ": should be less than " + kw;
      case "minLength":
        return path + ": Invalid value: " + shown + ": should be at least " + kw + " chars long";
      case "maxLength":
        return path + ": Too long: may not be longer than " + kw;
      case "minItems":
        return path + ": Invalid value: " + value.size() + ": should have at least " + kw + " items";
      case "maxItems":
        return path + ": Too many: " + value.size() + ": must have at most " + kw + " items";
      default:
        String msg = m.getMessage();
        return path + ": " + (msg.startsWith("$") && msg.contains(": ") ? msg.substring(msg.indexOf(": ") + 2) : msg);
    }
  }

  private static List<String> enumValues(JsonNode values) {
    List<String> out = new ArrayList<>();
    if (values != null) {
      values.forEach(v -> out.add(v.toString()));
    }
    return out;
  }

  private static String join(String path, String property) {
    return path.isEmpty() ? property : path + "." + property;
  }

  /** "$.spec.hooks.prePromotion[0].name" as the API server writes it: spec.hooks.prePromotion[0].name. */
  static String path(JsonNodePath location) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < location.getNameCount(); i++) {
      Object element = location.getElement(i);
      if (element instanceof Integer idx) {
        sb.append('[').append(idx).append(']');
      } else {
        if (sb.length() > 0) {
          sb.append('.');
        }
        sb.append(element);
      }
    }
    return sb.toString();
  }

  // ---------------------------------------------------------------- CEL

  private static List<String> rules(JsonNode schema) {
    List<String> out = new ArrayList<>();
    schema.path("x-kubernetes-validations").forEach(r -> out.add(r.path("rule").asText()));
    schema.path("properties").forEach(p -> out.addAll(rules(p)));
    if (schema.has("items")) {
      out.addAll(rules(schema.get("items")));
    }
    if (schema.path("additionalProperties").isObject()) {
      out.addAll(rules(schema.get("additionalProperties")));
    }
    return out;
  }

  private static CelRuntime.Program program(String rule) {
    return PROGRAMS.computeIfAbsent(
        rule,
        r -> {
          try {
            CelAbstractSyntaxTree ast = CEL.compile(r).getAst();
            return CEL.createProgram(ast);
          } catch (CelValidationException | CelEvaluationException e) {
            throw new IllegalArgumentException("CEL rule does not compile: " + r + ": " + e.getMessage(), e);
          }
        });
  }

  private static void evaluateRules(JsonNode schema, JsonNode value, JsonNode old, String path, boolean root, List<String> errors) {
    if (value == null || value.isNull() || value.isMissingNode()) {
      return;
    }
    for (JsonNode v : schema.path("x-kubernetes-validations")) {
      String rule = v.path("rule").asText();
      boolean transition = rule.contains("oldSelf");
      if (transition && (old == null || old.isNull() || old.isMissingNode())) {
        continue; // transition rules apply on update only, where the old value exists
      }
      Map<String, Object> vars = new HashMap<>();
      vars.put("self", toCel(value, root));
      if (transition) {
        vars.put("oldSelf", toCel(old, root));
      }
      String at = path;
      if (v.hasNonNull("fieldPath")) {
        String fp = v.get("fieldPath").asText();
        at = path + (path.isEmpty() && fp.startsWith(".") ? fp.substring(1) : fp);
      }
      String where = at.isEmpty() ? "<root>" : at;
      try {
        Object result = program(rule).eval(vars);
        if (!Boolean.TRUE.equals(result)) {
          String message = v.hasNonNull("message") ? v.get("message").asText() : "failed rule: " + rule;
          errors.add(where + ": Invalid value: \"" + kind(value) + "\": " + message);
        }
      } catch (CelEvaluationException e) {
        errors.add(where + ": Invalid value: \"" + kind(value) + "\": rule evaluation error: " + e.getMessage());
      }
    }
    if (value.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        JsonNode propSchema = schema.path("properties").get(e.getKey());
        if (propSchema == null && schema.path("additionalProperties").isObject()) {
          propSchema = schema.get("additionalProperties");
        }
        if (propSchema != null) {
          JsonNode oldChild = old == null ? null : old.get(e.getKey());
          evaluateRules(propSchema, e.getValue(), oldChild, join(path, e.getKey()), false, errors);
        }
      }
    } else if (value.isArray() && schema.has("items")) {
      for (int i = 0; i < value.size(); i++) {
        // items of lists that are not x-kubernetes-list-type=map are not correlated with the old list
        evaluateRules(schema.get("items"), value.get(i), null, path + "[" + i + "]", false, errors);
      }
    }
  }

  private static String kind(JsonNode value) {
    return value.isObject() ? "object" : value.isArray() ? "array" : value.asText();
  }

  /** JSON to the values CEL works with; at the root only metadata.name and generateName are visible. */
  private static Object toCel(JsonNode node, boolean root) {
    if (root && node.isObject()) {
      Map<String, Object> out = new LinkedHashMap<>();
      node.fields().forEachRemaining(
          e -> {
            if (e.getKey().equals("metadata")) {
              Map<String, Object> meta = new LinkedHashMap<>();
              for (String k : List.of("name", "generateName")) {
                if (e.getValue().hasNonNull(k)) {
                  meta.put(k, e.getValue().get(k).asText());
                }
              }
              out.put("metadata", meta);
            } else if (!e.getValue().isNull()) {
              out.put(e.getKey(), toCel(e.getValue(), false));
            }
          });
      return out;
    }
    if (node.isObject()) {
      Map<String, Object> out = new LinkedHashMap<>();
      node.fields().forEachRemaining(
          e -> {
            if (!e.getValue().isNull()) {
              out.put(e.getKey(), toCel(e.getValue(), false));
            }
          });
      return out;
    }
    if (node.isArray()) {
      List<Object> out = new ArrayList<>();
      node.forEach(n -> out.add(toCel(n, false)));
      return out;
    }
    if (node.isIntegralNumber()) {
      return node.asLong();
    }
    if (node.isNumber()) {
      return node.asDouble();
    }
    if (node.isBoolean()) {
      return node.asBoolean();
    }
    if (node.isNull()) {
      return dev.cel.common.values.NullValue.NULL_VALUE;
    }
    return node.asText();
  }
}
