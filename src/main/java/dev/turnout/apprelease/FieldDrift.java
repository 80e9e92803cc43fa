package dev.turnout.apprelease;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Whether a live object still holds what Turnout applies, judged from the informer cache without any write: every
 * field the desired object sets must be in the live one with the same value. Fields the desired object does not set
 * are not compared (the API server's defaults, other controllers' fields such as the restartedAt annotation of
 * {@code kubectl rollout restart}), and the API server's normal forms are accepted: an empty or zero value stands for
 * an absent one (Go's omitempty), numbers compare by value, resource quantities by amount ("1000m" is "1"). Lists
 * whose items have a key in the Kubernetes API (containers and env by name, ports by number and protocol, volume mounts
 * by path, owner references by uid) are compared item by item, as server-side apply merges them, so items another
 * manager added do not count; other lists are atomic and compared whole, as server-side apply replaces them.
 *
 * <p>Pure: tested in FieldDriftTest. {@link #manager} reads metadata.managedFields to say who made a difference.
 */
final class FieldDrift {
  private static final ObjectMapper JSON = Serialization.jsonMapper();
  /** Keys of the associative lists Turnout's objects use (the x-kubernetes-list-map-keys of the Kubernetes API). */
  private static final Map<String, List<String>> LIST_KEYS = Map.ofEntries(
      Map.entry("containers", List.of("name")), Map.entry("initContainers", List.of("name")),
      Map.entry("ephemeralContainers", List.of("name")), Map.entry("env", List.of("name")),
      Map.entry("volumes", List.of("name")), Map.entry("imagePullSecrets", List.of("name")),
      Map.entry("resourceClaims", List.of("name")), Map.entry("volumeMounts", List.of("mountPath")),
      Map.entry("volumeDevices", List.of("devicePath")), Map.entry("ownerReferences", List.of("uid")),
      Map.entry("hostAliases", List.of("ip")), Map.entry("topologySpreadConstraints", List.of("topologyKey", "whenUnsatisfiable")));
  /** Fields whose values are resource quantities. */
  private static final Set<String> QUANTITY_PARENTS = Set.of("limits", "requests", "overhead");

  private FieldDrift() {}

  /**
   * A field Turnout sets that the live object does not hold: {@code path} for people
   * ({@code spec.template.spec.containers[api].image}), {@code fieldPath} in the notation of managedFields' fieldsV1
   * ({@code f:spec, ..., k:{"name":"api"}, f:image}).
   */
  record Difference(String path, List<String> fieldPath) {}

  static Optional<Difference> find(HasMetadata desired, HasMetadata live) {
    JsonNode want = JSON.valueToTree(desired);
    JsonNode have = JSON.valueToTree(live);
    // what the API server sets, never Turnout; a resourceVersion in the desired object is a precondition, not a field
    ((ObjectNode) want).remove("status");
    if (want.get("metadata") instanceof ObjectNode meta) {
      meta.remove("resourceVersion");
    }
    return Optional.ofNullable(diff(want, have, "", new ArrayList<>(), null));
  }

  private static Difference diff(JsonNode want, JsonNode have, String path, List<String> fieldPath, String field) {
    if (isZero(want)) {
      // an empty value is the absent one; only an explicit scalar that the live object has otherwise is a change
      return want.isValueNode() && have != null && !have.isNull() && !isZero(have) ? at(path, fieldPath) : null;
    }
    if (have == null || have.isNull() || have.isMissingNode()) {
      return at(path, fieldPath);
    }
    if (want.isObject()) {
      if (!have.isObject()) {
        return at(path, fieldPath);
      }
      boolean atomicMap = "selector".equals(field) && allText(want) && allText(have);
      if (atomicMap && !textMap(want).equals(textMap(have))) {
        // a Service's selector is one atomic map: a key added by hand is replaced as a whole by the next apply
        return at(path, fieldPath);
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = want.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        Difference d = diff(e.getValue(), have.get(e.getKey()), path.isEmpty() ? e.getKey() : path + "." + e.getKey(),
            append(fieldPath, "f:" + e.getKey()), e.getKey());
        if (d != null) {
          return d;
        }
      }
      return null;
    }
    if (want.isArray()) {
      if (!have.isArray()) {
        return at(path, fieldPath);
      }
      List<String> keys = listKeys(field, want);
      if (keys == null) {
        if (want.size() != have.size()) {
          return at(path, fieldPath);
        }
        for (int i = 0; i < want.size(); i++) {
          Difference d = diff(want.get(i), have.get(i), path + "[" + i + "]", fieldPath, null);
          if (d != null) {
            return at(path, fieldPath); // an atomic list is owned (and replaced) as a whole
          }
        }
        return null;
      }
      for (JsonNode item : want) {
        ObjectNode key = key(item, keys);
        String itemPath = path + "[" + key.elements().next().asText() + "]";
        List<String> itemFieldPath = append(fieldPath, "k:" + key);
        JsonNode match = null;
        for (JsonNode candidate : have) {
          if (sameKey(key(candidate, keys), key)) {
            match = candidate;
            break;
          }
        }
        if (match == null) {
          return at(itemPath, itemFieldPath);
        }
        Difference d = diff(item, match, itemPath, itemFieldPath, null);
        if (d != null) {
          return d;
        }
      }
      return null;
    }
    return sameScalar(want, have, QUANTITY_PARENTS.contains(parentOf(path))) ? null : at(path, fieldPath);
  }

  /**
   * The field manager that made the difference, from the live object's managedFields: the latest entry other than
   * {@code self} that owns the field (or, for a missing list item, the list). Null when they do not tell, e.g. a field
   * someone removed is owned by no one.
   */
  static String manager(HasMetadata live, Difference d, String self) {
    List<ManagedFieldsEntry> entries = live.getMetadata().getManagedFields();
    if (entries == null || d == null) {
      return null;
    }
    return entries.stream()
        .filter(e -> !Objects.equals(self, e.getManager()) && !"status".equals(e.getSubresource()))
        .filter(e -> e.getFieldsV1() != null && owns(JSON.valueToTree(e.getFieldsV1().getAdditionalProperties()), d.fieldPath()))
        .max(Comparator.comparing(e -> Objects.toString(e.getTime(), "")))
        .map(ManagedFieldsEntry::getManager)
        .orElse(null);
  }

  private static boolean owns(JsonNode fields, List<String> fieldPath) {
    JsonNode node = fields;
    for (String segment : fieldPath) {
      JsonNode next = node.get(segment);
      if (next == null && segment.startsWith("k:")) {
        // the API server writes the key's JSON in its own field order and number form
        JsonNode wanted = parse(segment.substring(2));
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext() && next == null; ) {
          Map.Entry<String, JsonNode> e = it.next();
          if (e.getKey().startsWith("k:") && wanted != null && sameKey(parse(e.getKey().substring(2)), wanted)) {
            next = e.getValue();
          }
        }
      }
      if (next == null) {
        return false;
      }
      node = next;
    }
    return true;
  }

  private static List<String> listKeys(String field, JsonNode items) {
    if ("ports".equals(field) && items.size() > 0) {
      // container ports are keyed by containerPort and protocol, Service ports by port and protocol
      return items.get(0).has("containerPort") ? List.of("containerPort", "protocol") : List.of("port", "protocol");
    }
    List<String> keys = LIST_KEYS.get(field);
    if (keys == null) {
      return null;
    }
    for (JsonNode item : items) {
      if (!item.isObject() || !item.has(keys.get(0))) {
        return null;
      }
    }
    return keys;
  }

  private static ObjectNode key(JsonNode item, List<String> keys) {
    ObjectNode key = JSON.createObjectNode();
    for (String k : keys) {
      JsonNode v = item.get(k);
      if (v == null && "protocol".equals(k)) {
        v = key.textNode("TCP"); // the API server's default, part of the key
      }
      if (v != null) {
        key.set(k, v);
      }
    }
    return key;
  }

  private static boolean sameKey(JsonNode a, JsonNode b) {
    if (a == null || b == null || a.size() != b.size()) {
      return false;
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = a.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode other = b.get(e.getKey());
      if (other == null || !sameScalar(e.getValue(), other, false)) {
        return false;
      }
    }
    return true;
  }

  private static boolean sameScalar(JsonNode want, JsonNode have, boolean quantity) {
    if (!have.isValueNode()) {
      return false;
    }
    if (want.isNumber() && have.isNumber()) {
      return want.decimalValue().compareTo(have.decimalValue()) == 0;
    }
    if (want.asText().equals(have.asText()) && want.isTextual() == have.isTextual()) {
      return true;
    }
    if (quantity) {
      try {
        return Quantity.getAmountInBytes(new Quantity(want.asText()))
            .compareTo(Quantity.getAmountInBytes(new Quantity(have.asText()))) == 0;
      } catch (RuntimeException e) {
        return false;
      }
    }
    return false;
  }

  private static boolean isZero(JsonNode n) {
    return n == null || n.isNull() || n.isMissingNode()
        || (n.isTextual() && n.asText().isEmpty())
        || (n.isBoolean() && !n.asBoolean())
        || (n.isNumber() && n.decimalValue().signum() == 0)
        || ((n.isArray() || n.isObject()) && n.isEmpty());
  }

  private static boolean allText(JsonNode object) {
    for (JsonNode v : object) {
      if (!v.isTextual()) {
        return false;
      }
    }
    return true;
  }

  private static Map<String, String> textMap(JsonNode object) {
    Map<String, String> m = new java.util.TreeMap<>();
    object.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asText()));
    return m;
  }

  private static String parentOf(String path) {
    int dot = path.lastIndexOf('.');
    if (dot < 0) {
      return "";
    }
    String parent = path.substring(0, dot);
    return parent.substring(parent.lastIndexOf('.') + 1);
  }

  private static JsonNode parse(String json) {
    try {
      return JSON.readTree(json);
    } catch (Exception e) {
      return null;
    }
  }

  private static List<String> append(List<String> path, String segment) {
    List<String> p = new ArrayList<>(path);
    p.add(segment);
    return p;
  }

  private static Difference at(String path, List<String> fieldPath) {
    return new Difference(path, List.copyOf(fieldPath));
  }
}
