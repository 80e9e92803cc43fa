package dev.turnout.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.CustomResourceAware;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What clients need from the embedded API and fabric8's CRUD mock does not give, answered by a dispatcher in
 * front of the mock's own one:
 * <ul>
 *   <li>SelfSubjectRulesReview: with leader election on (prod profile) the Java Operator SDK checks its Lease
 *       permissions with one before it starts; the CRUD mock stores the POST as an object and rejects it (422,
 *       "metadata is required"), so the operator would exit. Answered with "everything allowed".
 *   <li>Discovery for kubectl: /version, /api, /apis and /api/v1 (the mock answers them with the list of CRDs),
 *       and resource lists with verbs and short names (so {@code kubectl get ar} resolves).
 *   <li>Server-side printing: kubectl asks for a meta.k8s.io Table to show a CRD's additionalPrinterColumns;
 *       lists and objects of the CRDs' kinds are converted to one.
 *   <li>Errors as the real API server words them: the CRUD mock (7.4.0) does answer 409 to a PUT whose
 *       metadata.resourceVersion is stale, and 409 to a POST of an existing name, but every error Status it writes
 *       says reason "Invalid". Clients and controllers tell a conflict from a validation error by the reason
 *       (fabric8's {@code KubernetesClientException#getStatus()}, client-go's {@code IsConflict}), so the reason is
 *       set from the code: 409 Conflict (AlreadyExists for a create), 404 NotFound, 400 BadRequest, 422 Invalid.
 *   <li>A merge patch that names a stale metadata.resourceVersion, and a PUT of the status subresource with a stale
 *       one, are conflicts on the real server (409); the mock applies them. Checked here against the stored object. A JSON patch
 *       whose {@code test} op fails is answered 422, as by the real server (the mock fails without a Status).
 *   <li>Name and label rules of the real API server, which the mock does not check: see {@link NameRules}.
 *   <li>Server-side apply, which the mock answers with 415: see {@link ServerSideApply}.
 *   <li>Validating admission webhooks that tests install: see {@link AdmissionWebhooks}.
 * </ul>
 * EmbeddedCluster puts it in front of the mock's CRUD dispatcher, so tests, `make run` and kubectl see the same API.
 */
final class ApiExtras extends Dispatcher implements CustomResourceAware {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern CR_PATH = Pattern.compile(
      "^/apis/([^/]+)/([^/]+)/(?:namespaces/([^/]+)/)?([^/?]+)(?:/([^/?]+))?(?:\\?.*)?$");

  /** Built-in kinds the simulator and operator use: group/version -> (plural, kind, namespaced, shortName). */
  private static final Map<String, List<String[]>> BUILT_IN = new LinkedHashMap<>();

  static {
    BUILT_IN.put("v1", List.of(
        new String[] {"pods", "Pod", "true", "po"}, new String[] {"services", "Service", "true", "svc"},
        new String[] {"secrets", "Secret", "true", ""}, new String[] {"configmaps", "ConfigMap", "true", "cm"},
        new String[] {"events", "Event", "true", "ev"}, new String[] {"namespaces", "Namespace", "false", "ns"},
        new String[] {"serviceaccounts", "ServiceAccount", "true", "sa"},
        new String[] {"persistentvolumeclaims", "PersistentVolumeClaim", "true", "pvc"}));
    BUILT_IN.put("apps/v1", List.of(new String[] {"deployments", "Deployment", "true", "deploy"},
        new String[] {"replicasets", "ReplicaSet", "true", "rs"}, new String[] {"controllerrevisions", "ControllerRevision", "true", ""}));
    BUILT_IN.put("batch/v1", List.of(new String[] {"jobs", "Job", "true", ""},
        new String[] {"cronjobs", "CronJob", "true", "cj"}));
    BUILT_IN.put("coordination.k8s.io/v1", List.<String[]>of(new String[] {"leases", "Lease", "true", ""}));
    BUILT_IN.put("discovery.k8s.io/v1", List.<String[]>of(new String[] {"endpointslices", "EndpointSlice", "true", ""}));
    BUILT_IN.put("apiextensions.k8s.io/v1",
        List.<String[]>of(new String[] {"customresourcedefinitions", "CustomResourceDefinition", "false", "crd"}));
  }

  private final Dispatcher original;
  /** The CRDs applied through EmbeddedCluster, read at each request (they are few). */
  private final List<CustomResourceDefinition> crds;
  private final ServerSideApply serverSideApply;
  private final AdmissionWebhooks webhooks;

  ApiExtras(Dispatcher original, List<CustomResourceDefinition> crds, AdmissionWebhooks webhooks) {
    this.original = original;
    this.crds = crds;
    this.serverSideApply = new ServerSideApply(original);
    this.webhooks = webhooks;
  }

  /** Status subresources and scopes of kinds are the CRUD dispatcher's business. */
  @Override
  public void expectCustomResource(CustomResourceDefinitionContext context) {
    ((CustomResourceAware) original).expectCustomResource(context);
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    MockResponse denied = webhooks.check(request);
    if (denied != null) {
      return denied;
    }
    if (ServerSideApply.isApply(request)) {
      return withRealReason(request, serverSideApply.handle(request));
    }
    MockResponse refused = NameRules.check(request);
    if (refused == null) {
      refused = stalePatch(request);
    }
    return refused != null ? refused : withRealReason(request, dispatchToMock(request));
  }

  private MockResponse dispatchToMock(RecordedRequest request) {
    try {
      String path = request.getPath() == null ? "" : request.getPath();
      String bare = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
      String method = request.getMethod();
      if ("POST".equals(method) && bare.equals("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")) {
        return json(201, """
            {"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectRulesReview","metadata":{},"spec":{},
             "status":{"incomplete":false,"nonResourceRules":[],
               "resourceRules":[{"verbs":["*"],"apiGroups":["*"],"resources":["*"]}]}}""");
      }
      if ("GET".equals(method)) {
        switch (bare) {
          case "/version" -> {
            return json(200, """
                {"major":"1","minor":"32","gitVersion":"v1.32.0-turnout-embedded","platform":"linux/amd64"}""");
          }
          case "/api" -> {
            return json(200, """
                {"kind":"APIVersions","versions":["v1"],"serverAddressByClientCIDRs":[]}""");
          }
          case "/apis" -> {
            return json(200, JSON.writeValueAsString(groupList()));
          }
          case "/api/v1" -> {
            return json(200, JSON.writeValueAsString(resourceList("v1")));
          }
          default -> {
            // handled below
          }
        }
        Matcher m = Pattern.compile("^/apis/([^/]+)/([^/]+)$").matcher(bare);
        if (m.matches() && (BUILT_IN.containsKey(m.group(1) + "/" + m.group(2)) || crdGroup(m.group(1), m.group(2)))) {
          return json(200, JSON.writeValueAsString(resourceList(m.group(1) + "/" + m.group(2))));
        }
        String accept = request.getHeader("Accept");
        if (accept != null && accept.contains("as=Table")) {
          MockResponse table = table(request, bare);
          if (table != null) {
            return table;
          }
        }
      }
    } catch (Exception e) {
      // fall through to the mock
    }
    return original.dispatch(request);
  }

  // ---- errors as the real API server words them ----------------------------------------------------------

  /** The CRUD mock writes reason "Invalid" into every error Status: the reason is set from the code instead. */
  private static MockResponse withRealReason(RecordedRequest request, MockResponse response) {
    int code = response.code();
    if (code < 400 || response.getBody() == null) {
      return response;
    }
    try {
      JsonNode body = JSON.readTree(response.getBody().getBytes());
      if (!(body instanceof ObjectNode status) || !"Status".equals(body.path("kind").asText())) {
        return response;
      }
      String reason = switch (code) {
        case 409 -> "POST".equals(request.getMethod()) ? "AlreadyExists" : "Conflict";
        case 404 -> "NotFound";
        case 400 -> "BadRequest";
        case 422 -> "Invalid";
        default -> status.path("reason").asText("");
      };
      status.put("reason", reason).put("status", "Failure").put("code", code);
      status.put("apiVersion", "v1");
      return json(code, JSON.writeValueAsString(status));
    } catch (Exception e) {
      return response;
    }
  }

  /**
   * A merge patch (or strategic merge patch) carrying metadata.resourceVersion is an update with that precondition:
   * the real server answers 409 when it is not the stored one. The mock applies it regardless.
   */
  private MockResponse stalePatch(RecordedRequest request) {
    if (request.getBody() == null) {
      return null;
    }
    String type = request.getHeader("Content-Type");
    boolean jsonPatch = "PATCH".equals(request.getMethod()) && type != null && type.startsWith("application/json-patch+json");
    boolean mergePatch = "PATCH".equals(request.getMethod()) && type != null
        && (type.startsWith("application/merge-patch+json") || type.startsWith("application/strategic-merge-patch+json"));
    // a PUT of the object is checked by the mock itself, a PUT of its status subresource is not
    boolean statusPut = "PUT".equals(request.getMethod()) && request.getPath() != null && request.getPath().split("\\?")[0].endsWith("/status");
    if (!mergePatch && !statusPut && !jsonPatch) {
      return null;
    }
    try {
      JsonNode patch = JSON.readTree(request.getBody().getBytes());
      String wanted = jsonPatch ? "" : patch.path("metadata").path("resourceVersion").asText("");
      List<JsonNode> tests = new ArrayList<>();
      if (jsonPatch && patch.isArray()) {
        patch.forEach(op -> {
          if ("test".equals(op.path("op").asText())) {
            tests.add(op);
          }
        });
      }
      if (wanted.isEmpty() && tests.isEmpty()) {
        return null;
      }
      String path = request.getPath();
      String bare = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
      String objectPath = bare.endsWith("/status") ? bare.substring(0, bare.length() - "/status".length()) : bare;
      MockResponse stored = original.dispatch(new RecordedRequest(request.getHttpVersion(),
          io.fabric8.mockwebserver.dsl.HttpMethod.GET, objectPath, request.getHeaders(), new io.fabric8.mockwebserver.http.Buffer()));
      if (stored.code() != 200 || stored.getBody() == null) {
        return null; // the mock answers (404) itself
      }
      JsonNode current = JSON.readTree(stored.getBody().getBytes());
      for (JsonNode t : tests) {
        // the real API server answers 422 when a JSON patch op fails (apiserver handlers/patch.go); the mock errors out
        JsonNode at = current.at(t.path("path").asText());
        if (at.isMissingNode() || !at.equals(t.path("value"))) {
          ObjectNode status = JSON.createObjectNode().put("kind", "Status").put("apiVersion", "v1");
          status.putObject("metadata");
          status.put("status", "Failure").put("message", "testing value " + t.path("path").asText() + " failed: test failed")
              .put("reason", "Invalid").put("code", 422);
          return json(422, JSON.writeValueAsString(status));
        }
      }
      if (wanted.isEmpty()) {
        return null;
      }
      String actual = current.path("metadata").path("resourceVersion").asText("");
      if (wanted.equals(actual)) {
        return null;
      }
      return conflict(current.path("kind").asText(), current.path("metadata").path("name").asText());
    } catch (Exception e) {
      return null;
    }
  }

  static MockResponse conflict(String kind, String name) {
    ObjectNode status = JSON.createObjectNode().put("kind", "Status").put("apiVersion", "v1");
    status.putObject("metadata");
    status.put("status", "Failure")
        .put("message", "Operation cannot be fulfilled on " + kind + " \"" + name
            + "\": the object has been modified; please apply your changes to the latest version and try again")
        .put("reason", "Conflict");
    status.putObject("details").put("name", name).put("kind", kind);
    status.put("code", 409);
    try {
      return json(409, JSON.writeValueAsString(status));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void shutdown() {
    original.shutdown();
  }

  // ---- discovery -----------------------------------------------------------------------------------------

  private boolean crdGroup(String group, String version) {
    return crds.stream().anyMatch(c -> c.getSpec().getGroup().equals(group)
        && c.getSpec().getVersions().stream().anyMatch(v -> v.getName().equals(version)));
  }

  private ObjectNode groupList() {
    Map<String, List<String>> groups = new LinkedHashMap<>();
    for (String gv : BUILT_IN.keySet()) {
      if (gv.contains("/")) {
        groups.computeIfAbsent(gv.substring(0, gv.indexOf('/')), g -> new ArrayList<>()).add(gv.substring(gv.indexOf('/') + 1));
      }
    }
    for (CustomResourceDefinition c : crds) {
      c.getSpec().getVersions().forEach(v -> {
        List<String> versions = groups.computeIfAbsent(c.getSpec().getGroup(), g -> new ArrayList<>());
        if (!versions.contains(v.getName())) {
          versions.add(v.getName());
        }
      });
    }
    ObjectNode list = JSON.createObjectNode().put("kind", "APIGroupList").put("apiVersion", "v1");
    ArrayNode items = list.putArray("groups");
    groups.forEach((group, versions) -> {
      ObjectNode g = items.addObject().put("name", group);
      ArrayNode vs = g.putArray("versions");
      versions.forEach(v -> vs.addObject().put("groupVersion", group + "/" + v).put("version", v));
      g.putObject("preferredVersion").put("groupVersion", group + "/" + versions.get(0)).put("version", versions.get(0));
    });
    return list;
  }

  private ObjectNode resourceList(String groupVersion) {
    ObjectNode list = JSON.createObjectNode().put("kind", "APIResourceList").put("apiVersion", "v1")
        .put("groupVersion", groupVersion);
    ArrayNode resources = list.putArray("resources");
    for (String[] r : BUILT_IN.getOrDefault(groupVersion, List.of())) {
      ObjectNode o = resource(resources, r[0], r[1], Boolean.parseBoolean(r[2]));
      if (!r[3].isEmpty()) {
        o.putArray("shortNames").add(r[3]);
      }
      if (!r[0].equals("events") && !r[0].equals("namespaces") && !r[0].equals("secrets") && !r[0].equals("configmaps")
          && !r[0].equals("serviceaccounts") && !r[0].equals("leases") && !r[0].equals("endpointslices")
          && !r[0].equals("persistentvolumeclaims") && !r[0].equals("customresourcedefinitions")
          && !r[0].equals("controllerrevisions")) {
        resource(resources, r[0] + "/status", r[1], Boolean.parseBoolean(r[2]));
      }
    }
    for (CustomResourceDefinition c : crds) {
      if (c.getSpec().getVersions().stream().noneMatch(v -> groupVersion.equals(c.getSpec().getGroup() + "/" + v.getName()))) {
        continue;
      }
      var names = c.getSpec().getNames();
      ObjectNode o = resource(resources, names.getPlural(), names.getKind(), "Namespaced".equals(c.getSpec().getScope()));
      o.put("singularName", names.getSingular());
      if (names.getShortNames() != null) {
        names.getShortNames().forEach(o.putArray("shortNames")::add);
      }
      if (names.getCategories() != null) {
        names.getCategories().forEach(o.putArray("categories")::add);
      }
      resource(resources, names.getPlural() + "/status", names.getKind(), "Namespaced".equals(c.getSpec().getScope()));
    }
    return list;
  }

  private static ObjectNode resource(ArrayNode resources, String name, String kind, boolean namespaced) {
    ObjectNode o = resources.addObject().put("name", name).put("singularName", "").put("namespaced", namespaced)
        .put("kind", kind);
    ArrayNode verbs = o.putArray("verbs");
    (name.endsWith("/status") ? List.of("get", "patch", "update")
        : List.of("create", "delete", "get", "list", "patch", "update", "watch")).forEach(verbs::add);
    return o;
  }

  // ---- server-side printing ------------------------------------------------------------------------------

  private MockResponse table(RecordedRequest request, String bare) throws Exception {
    Matcher m = CR_PATH.matcher(bare);
    if (!m.matches() || request.getPath().contains("watch=")) {
      return null;
    }
    CustomResourceDefinition crd = crds.stream()
        .filter(c -> c.getSpec().getGroup().equals(m.group(1)) && c.getSpec().getNames().getPlural().equals(m.group(4)))
        .findFirst().orElse(null);
    if (crd == null) {
      return null;
    }
    MockResponse plain = original.dispatch(request);
    if (plain.code() != 200 || plain.getBody() == null) {
      return plain;
    }
    JsonNode body = JSON.readTree(plain.getBody().getBytes());
    List<JsonNode> items = new ArrayList<>();
    if (body.has("items")) {
      body.get("items").forEach(items::add);
    } else {
      items.add(body);
    }
    var version = crd.getSpec().getVersions().stream().filter(v -> v.getName().equals(m.group(2))).findFirst().orElseThrow();
    List<CustomResourceColumnDefinition> columns = version.getAdditionalPrinterColumns() == null
        ? List.of() : version.getAdditionalPrinterColumns();
    ObjectNode table = JSON.createObjectNode().put("kind", "Table").put("apiVersion", "meta.k8s.io/v1");
    table.putObject("metadata").put("resourceVersion", body.path("metadata").path("resourceVersion").asText(""));
    ArrayNode defs = table.putArray("columnDefinitions");
    defs.addObject().put("name", "Name").put("type", "string").put("format", "name")
        .put("description", "Name of the object").put("priority", 0);
    for (CustomResourceColumnDefinition c : columns) {
      defs.addObject().put("name", c.getName()).put("type", "date".equals(c.getType()) ? "string" : c.getType())
          .put("format", "").put("description", c.getDescription() == null ? "" : c.getDescription())
          .put("priority", c.getPriority() == null ? 0 : c.getPriority());
    }
    ArrayNode rows = table.putArray("rows");
    for (JsonNode item : items) {
      ObjectNode row = rows.addObject();
      ArrayNode cells = row.putArray("cells");
      cells.add(item.path("metadata").path("name").asText());
      for (CustomResourceColumnDefinition c : columns) {
        List<JsonNode> values = JsonPathLite.eval(item, c.getJsonPath());
        if (values.isEmpty()) {
          cells.addNull();
        } else if ("date".equals(c.getType())) {
          cells.add(age(values.get(0).asText()));
        } else if (values.size() == 1 && values.get(0).isValueNode()) {
          cells.add(values.get(0));
        } else {
          cells.add(String.join(",", values.stream().map(JsonNode::asText).toList()));
        }
      }
      ObjectNode object = row.putObject("object").put("kind", "PartialObjectMetadata").put("apiVersion", "meta.k8s.io/v1");
      object.set("metadata", item.path("metadata"));
    }
    return json(200, JSON.writeValueAsString(table));
  }

  private static String age(String timestamp) {
    try {
      Duration d = Duration.between(Instant.parse(timestamp), Instant.now());
      long s = Math.max(0, d.toSeconds());
      return s < 120 ? s + "s" : s < 7200 ? s / 60 + "m" : s < 172800 ? s / 3600 + "h" : s / 86400 + "d";
    } catch (RuntimeException e) {
      return timestamp;
    }
  }

  private static MockResponse json(int code, String body) {
    return new MockResponse().setResponseCode(code).setHeader("Content-Type", "application/json").setBody(body);
  }

  /** The JSONPath of printer columns: .a.b, .a[*].b, .a[?(@.type=="Ready")].b. */
  static final class JsonPathLite {
    private static final Pattern STEP = Pattern.compile("([^.\\[]+)(\\[(\\*|\\?\\(@\\.([^=]+)==\"([^\"]*)\"\\))])?");

    private JsonPathLite() {}

    static List<JsonNode> eval(JsonNode root, String path) {
      List<JsonNode> current = new ArrayList<>(List.of(root));
      Matcher m = STEP.matcher(path.startsWith(".") ? path.substring(1) : path);
      while (m.find()) {
        List<JsonNode> next = new ArrayList<>();
        for (JsonNode n : current) {
          JsonNode child = n.get(m.group(1));
          if (child == null || child.isNull()) {
            continue;
          }
          if (m.group(2) == null) {
            next.add(child);
          } else if (child.isArray()) {
            for (JsonNode e : child) {
              if ("*".equals(m.group(3)) || m.group(5).equals(e.path(m.group(4)).asText(null))) {
                next.add(e);
              }
            }
          }
        }
        current = next;
      }
      return current;
    }
  }
}
