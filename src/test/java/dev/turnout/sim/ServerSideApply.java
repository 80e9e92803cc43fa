package dev.turnout.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Server-side apply (PATCH, Content-Type application/apply-patch+yaml), which fabric8's CRUD mock answers with 415, done
 * over the mock's GET, POST and PUT as https://kubernetes.io/docs/reference/using-api/server-side-apply/ documents it:
 * <ul>
 *   <li>the object is created when it does not exist (201), with the fields of the apply owned by its field manager
 *       (query parameter fieldManager, required: 400 without it);
 *   <li>otherwise the applied fields are merged into it: maps field by field, lists with keys in the Kubernetes API
 *       (containers and env by name, ports by number and protocol, volume mounts by path, owner references by uid) item
 *       by item, other lists (atomic) and scalars replaced; a Service's spec.selector is an atomic map;
 *   <li>fields the manager applied before and no longer applies are removed, unless another manager owns them;
 *   <li>metadata.managedFields holds one entry (operation Apply) per manager with the fields it applied (fieldsV1);
 *   <li>a field another manager owns with a different value is a conflict (409) unless force=true, which takes it over;
 *   <li>a metadata.resourceVersion in the applied object is a precondition (409 when stale);
 *   <li>an apply that changes nothing writes nothing: same resourceVersion, same managedFields time.
 * </ul>
 * The real API server also records writes other than apply (PUT, merge and JSON patches) as Update entries of their
 * manager; the mock does not, so a field changed by such a write still counts as the applier's: a later apply that no
 * longer sets it removes it, where the real server would keep it for the Update manager.
 */
final class ServerSideApply {
  static final String CONTENT_TYPE = "application/apply-patch+yaml";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Map<String, List<String>> LIST_KEYS = Map.ofEntries(
      Map.entry("containers", List.of("name")), Map.entry("initContainers", List.of("name")),
      Map.entry("ephemeralContainers", List.of("name")), Map.entry("env", List.of("name")),
      Map.entry("volumes", List.of("name")), Map.entry("imagePullSecrets", List.of("name")),
      Map.entry("resourceClaims", List.of("name")), Map.entry("volumeMounts", List.of("mountPath")),
      Map.entry("volumeDevices", List.of("devicePath")), Map.entry("ownerReferences", List.of("uid")),
      Map.entry("hostAliases", List.of("ip")), Map.entry("topologySpreadConstraints", List.of("topologyKey", "whenUnsatisfiable")));
  /** Fields that name the object rather than belong to it: never in managedFields. */
  private static final Set<String> IDENTITY = Set.of("f:apiVersion", "f:kind", "f:status");
  private static final Set<String> IDENTITY_METADATA = Set.of("f:name", "f:namespace", "f:resourceVersion", "f:managedFields",
      "f:uid", "f:generation", "f:creationTimestamp");

  private final Dispatcher store;

  ServerSideApply(Dispatcher store) {
    this.store = store;
  }

  static boolean isApply(RecordedRequest request) {
    String type = request.getHeader("Content-Type");
    return "PATCH".equals(request.getMethod()) && type != null && type.startsWith(CONTENT_TYPE);
  }

  MockResponse handle(RecordedRequest request) {
    String path = request.getPath();
    String objectPath = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
    String manager = query(path, "fieldManager");
    boolean force = "true".equals(query(path, "force"));
    if (manager == null || manager.isEmpty()) {
      return status(400, "BadRequest", "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch");
    }
    ObjectNode applied;
    try {
      applied = (ObjectNode) YAML.readTree(request.getBody().getBytes());
    } catch (Exception e) {
      return status(400, "BadRequest", "error decoding YAML: " + e.getMessage());
    }
    // the main resource's apply does not write status (the real server ignores it there)
    applied.remove("status");
    for (int attempt = 0; attempt < 10; attempt++) {
      MockResponse response = applyOnce(request, objectPath, applied.deepCopy(), manager, force);
      if (response != null) {
        return response;
      }
      // another write came between the GET and the PUT of this apply: the real server applies atomically, so again
    }
    return status(409, "Conflict", "the object kept changing during the apply");
  }

  private MockResponse applyOnce(RecordedRequest request, String objectPath, ObjectNode applied, String manager, boolean force) {
    try {
      MockResponse found = send(request, HttpMethod.GET, objectPath, null);
      String wantedVersion = applied.path("metadata").path("resourceVersion").asText("");
      if (applied.get("metadata") instanceof ObjectNode meta) {
        meta.remove(List.of("resourceVersion", "managedFields"));
      }
      Set<List<String>> fields = new LinkedHashSet<>();
      fields(applied, new ArrayList<>(), null, fields);
      if (found.code() == 404) {
        ObjectNode created = applied.deepCopy();
        ((ObjectNode) created.get("metadata")).set("managedFields", JSON.createArrayNode().add(entry(manager, applied, fields)));
        MockResponse invalid = NameRules.check("POST", created);
        if (invalid != null) {
          return invalid;
        }
        return send(request, HttpMethod.POST, objectPath.substring(0, objectPath.lastIndexOf('/')), created);
      }
      if (found.code() != 200) {
        return found;
      }
      ObjectNode stored = (ObjectNode) JSON.readTree(found.getBody().getBytes());
      String kind = stored.path("kind").asText();
      String name = stored.path("metadata").path("name").asText();
      if (!wantedVersion.isEmpty() && !wantedVersion.equals(stored.path("metadata").path("resourceVersion").asText())) {
        return ApiExtras.conflict(kind, name);
      }
      ArrayNode entries = stored.path("metadata").path("managedFields") instanceof ArrayNode a ? a.deepCopy() : JSON.createArrayNode();
      Set<List<String>> before = new LinkedHashSet<>();
      List<String> conflicts = new ArrayList<>();
      for (Iterator<JsonNode> it = entries.iterator(); it.hasNext(); ) {
        ObjectNode e = (ObjectNode) it.next();
        Set<List<String>> owned = paths(e.path("fieldsV1"));
        if (manager.equals(e.path("manager").asText()) && "Apply".equals(e.path("operation").asText())) {
          before = owned;
          it.remove();
          continue;
        }
        for (List<String> p : fields) {
          if (!last(p).equals(".") && owned.contains(p) && !at(stored, p).equals(at(applied, p))) {
            conflicts.add("conflict with \"" + e.path("manager").asText() + "\": ." + String.join(".", p).replace("f:", ""));
            owned.remove(p); // taken over, with force
          }
        }
        e.set("fieldsV1", fieldsV1(owned));
        if (owned.isEmpty()) {
          it.remove();
        }
      }
      if (!conflicts.isEmpty() && !force) {
        return status(409, "Conflict", "Apply failed with " + conflicts.size() + " conflict(s): " + String.join(", ", conflicts));
      }
      ObjectNode merged = stored.deepCopy();
      // whole list items first (found by their key fields), then single fields, each unless another manager owns it
      for (boolean items : new boolean[] {true, false}) {
        for (List<String> p : before) {
          if (last(p).equals(".") == items && !fields.contains(p) && !ownedByOther(entries, p)) {
            remove(merged, p);
          }
        }
      }
      merge(merged, applied, null);
      ObjectNode mine = entry(manager, applied, fields);
      boolean unchanged = strip(merged).equals(strip(stored)) && before.equals(fields);
      if (unchanged) {
        return json(200, stored);
      }
      entries.add(mine);
      ((ObjectNode) merged.get("metadata")).set("managedFields", entries);
      MockResponse invalid = NameRules.check("PUT", merged);
      if (invalid != null) {
        return invalid;
      }
      MockResponse put = send(request, HttpMethod.PUT, objectPath, merged);
      return put.code() == 409 ? null : put;
    } catch (Exception e) {
      return status(500, "InternalError", "server-side apply: " + e);
    }
  }

  // ---- field sets (managedFields' fieldsV1) ----------------------------------------------------------------

  /** The paths of the leaves of an applied object, and of each item of its lists with keys (ending in "."). */
  private static void fields(JsonNode node, List<String> prefix, String field, Set<List<String>> out) {
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String segment = "f:" + e.getKey();
      if ((prefix.isEmpty() && IDENTITY.contains(segment)) || (prefix.equals(List.of("f:metadata")) && IDENTITY_METADATA.contains(segment))) {
        continue;
      }
      List<String> p = append(prefix, segment);
      JsonNode v = e.getValue();
      List<String> keys = v.isArray() ? keys(e.getKey(), v) : null;
      if (v.isObject() && !v.isEmpty() && !atomicMap(e.getKey(), v)) {
        fields(v, p, e.getKey(), out);
      } else if (keys != null) {
        for (JsonNode item : v) {
          List<String> ip = append(p, "k:" + key(item, keys));
          out.add(append(ip, "."));
          fields(item, ip, null, out);
        }
      } else {
        out.add(p);
      }
    }
  }

  private static ObjectNode fieldsV1(Set<List<String>> paths) {
    ObjectNode root = JSON.createObjectNode();
    for (List<String> p : paths) {
      ObjectNode n = root;
      for (String segment : p) {
        n = n.has(segment) ? (ObjectNode) n.get(segment) : n.putObject(segment);
      }
    }
    return root;
  }

  private static Set<List<String>> paths(JsonNode fieldsV1) {
    Set<List<String>> out = new LinkedHashSet<>();
    collect(fieldsV1, new ArrayList<>(), out);
    return out;
  }

  private static void collect(JsonNode node, List<String> prefix, Set<List<String>> out) {
    if (node == null || !node.isObject()) {
      return;
    }
    if (node.isEmpty() && !prefix.isEmpty()) {
      out.add(prefix);
      return;
    }
    node.fields().forEachRemaining(e -> collect(e.getValue(), append(prefix, e.getKey()), out));
  }

  /** Another manager owns the field, or for a list item anything in it. */
  private static boolean ownedByOther(ArrayNode entries, List<String> path) {
    List<String> item = last(path).equals(".") ? path.subList(0, path.size() - 1) : null;
    for (JsonNode e : entries) {
      for (List<String> p : paths(e.path("fieldsV1"))) {
        if (p.equals(path) || (item != null && startsWith(p, item))) {
          return true;
        }
      }
    }
    return false;
  }

  private static ObjectNode entry(String manager, JsonNode applied, Set<List<String>> fields) {
    ObjectNode e = JSON.createObjectNode().put("manager", manager).put("operation", "Apply")
        .put("apiVersion", applied.path("apiVersion").asText())
        .put("time", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString()).put("fieldsType", "FieldsV1");
    e.set("fieldsV1", fieldsV1(fields));
    return e;
  }

  // ---- the object ------------------------------------------------------------------------------------------

  /** The value at a field path (missing when absent). */
  private static JsonNode at(JsonNode object, List<String> path) {
    JsonNode n = object;
    for (String segment : path) {
      if (segment.equals(".")) {
        break;
      }
      n = step(n, segment);
      if (n == null) {
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
      }
    }
    return n;
  }

  private static JsonNode step(JsonNode n, String segment) {
    if (segment.startsWith("f:")) {
      return n.isObject() ? n.get(segment.substring(2)) : null;
    }
    if (segment.startsWith("k:") && n.isArray()) {
      JsonNode key = parse(segment.substring(2));
      for (JsonNode item : n) {
        if (matches(item, key)) {
          return item;
        }
      }
    }
    return null;
  }

  private static void remove(ObjectNode object, List<String> path) {
    boolean item = last(path).equals(".");
    List<String> p = item ? path.subList(0, path.size() - 1) : path;
    JsonNode parent = at(object, p.subList(0, p.size() - 1));
    String segment = last(p);
    if (segment.startsWith("f:") && parent instanceof ObjectNode o) {
      o.remove(segment.substring(2));
    } else if (segment.startsWith("k:") && parent instanceof ArrayNode a) {
      JsonNode key = parse(segment.substring(2));
      for (int i = 0; i < a.size(); i++) {
        if (matches(a.get(i), key)) {
          a.remove(i);
          return;
        }
      }
    }
  }

  /** Merges the applied fields into the stored object: maps by field, keyed lists by item, the rest replaced. */
  private static void merge(ObjectNode target, JsonNode applied, String field) {
    applied.fields().forEachRemaining(e -> {
      String k = e.getKey();
      JsonNode v = e.getValue();
      JsonNode current = target.get(k);
      List<String> keys = v.isArray() ? keys(k, v) : null;
      if (v.isObject() && current instanceof ObjectNode c && !atomicMap(k, v)) {
        merge(c, v, k);
      } else if (keys != null && current instanceof ArrayNode list) {
        for (JsonNode item : v) {
          JsonNode key = parse(key(item, keys));
          JsonNode match = null;
          for (JsonNode candidate : list) {
            if (matches(candidate, key)) {
              match = candidate;
            }
          }
          if (match instanceof ObjectNode m && item.isObject()) {
            merge(m, item, null);
          } else {
            list.add(item.deepCopy());
          }
        }
      } else {
        target.set(k, v.deepCopy());
      }
    });
  }

  private static List<String> keys(String field, JsonNode items) {
    if ("ports".equals(field) && items.size() > 0) {
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

  /** The key of a list item as managedFields write it, e.g. {"containerPort":8000,"protocol":"TCP"}. */
  private static String key(JsonNode item, List<String> keys) {
    ObjectNode key = JSON.createObjectNode();
    for (String k : keys) {
      JsonNode v = item.get(k);
      key.set(k, v == null && "protocol".equals(k) ? key.textNode("TCP") : v); // the API server's default
    }
    return key.toString();
  }

  private static boolean matches(JsonNode item, JsonNode key) {
    if (key == null) {
      return false;
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = key.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode v = item.get(e.getKey());
      if (v == null && "protocol".equals(e.getKey())) {
        v = JSON.getNodeFactory().textNode("TCP");
      }
      if (v == null || !v.asText().equals(e.getValue().asText())) {
        return false;
      }
    }
    return true;
  }

  /** A Service's spec.selector is atomic (+mapType=atomic): applied as a whole. */
  private static boolean atomicMap(String field, JsonNode value) {
    if (!"selector".equals(field)) {
      return false;
    }
    for (JsonNode v : value) {
      if (!v.isTextual()) {
        return false;
      }
    }
    return true;
  }

  /** The object without what an apply that changes nothing may still differ in. */
  private static JsonNode strip(ObjectNode o) {
    ObjectNode copy = o.deepCopy();
    if (copy.get("metadata") instanceof ObjectNode meta) {
      meta.remove("managedFields");
    }
    return copy;
  }

  // ---- requests --------------------------------------------------------------------------------------------

  private MockResponse send(RecordedRequest request, HttpMethod method, String path, JsonNode body) throws Exception {
    Headers headers = request.getHeaders().newBuilder().set("Content-Type", "application/json").build();
    Buffer buffer = body == null ? new Buffer() : new Buffer(JSON.writeValueAsBytes(body));
    return store.dispatch(new RecordedRequest(request.getHttpVersion(), method, path, headers, buffer));
  }

  private static String query(String path, String name) {
    if (!path.contains("?")) {
      return null;
    }
    for (String pair : path.substring(path.indexOf('?') + 1).split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0 && pair.substring(0, eq).equals(name)) {
        return URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      }
    }
    return null;
  }

  private static MockResponse json(int code, JsonNode body) {
    return new MockResponse().setResponseCode(code).setHeader("Content-Type", "application/json").setBody(body.toString());
  }

  private static MockResponse status(int code, String reason, String message) {
    ObjectNode status = JSON.createObjectNode().put("kind", "Status").put("apiVersion", "v1");
    status.putObject("metadata");
    status.put("status", "Failure").put("message", message).put("reason", reason).put("code", code);
    return json(code, status);
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

  private static String last(List<String> path) {
    return path.get(path.size() - 1);
  }

  private static boolean startsWith(List<String> path, List<String> prefix) {
    return path.size() >= prefix.size() && path.subList(0, prefix.size()).equals(prefix);
  }
}
