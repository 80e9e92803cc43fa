package dev.turnout.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The name and label rules the real API server enforces on create (and labels on replace), which fabric8's CRUD mock
 * does not: such a write is answered 422 Invalid with a Status like the real one's. From
 * https://kubernetes.io/docs/concepts/overview/working-with-objects/names/ and
 * https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#syntax-and-character-set :
 * <ul>
 *   <li>most objects: DNS-1123 subdomain, at most 253 characters of [a-z0-9.-], starting and ending alphanumeric;
 *   <li>Namespaces: RFC 1123 label (at most 63 of [a-z0-9-], alphanumeric at both ends); Services: RFC 1035 label
 *       (the same, starting with a letter);
 *   <li>CronJobs: at most 52 characters (the controller appends 11 for its Jobs,
 *       https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#writing-a-cronjob-spec);
 *   <li>Jobs: the name becomes the pods' job-name label value, so at most 63 characters;
 *   <li>label values: at most 63 characters, empty or alphanumeric at both ends with [-_.a-zA-Z0-9] between; label
 *       keys: an optional DNS subdomain prefix and '/', then a name of at most 63 such characters. Checked in
 *       metadata.labels, spec.selector (Services, matchLabels) and pod/job templates;
 *   <li>container names (containers and initContainers of Pods and of the pod templates of Deployments, ReplicaSets,
 *       StatefulSets, DaemonSets and Jobs): RFC 1123 labels
 *       (https://kubernetes.io/docs/concepts/workloads/pods/#working-with-pods names the same rule).
 * </ul>
 * Patches are not checked (the result is the mock's to compute), except server-side apply, whose result
 * {@link ServerSideApply} computes and checks here.
 */
final class NameRules {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  private static final Pattern LABEL_1123 = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  private static final Pattern LABEL_1035 = Pattern.compile("[a-z]([-a-z0-9]*[a-z0-9])?");
  private static final Pattern LABEL_VALUE = Pattern.compile("(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?");
  /** Kinds the mock serves that are not objects with names of their own. */
  private static final List<String> NOT_CHECKED = List.of("SelfSubjectRulesReview", "SelfSubjectAccessReview", "TokenReview", "Status");

  private NameRules() {}

  /** The 422 the real API server would answer, or null when the write is fine (or not one this checks). */
  static MockResponse check(RecordedRequest request) {
    String method = request.getMethod();
    if (!("POST".equals(method) || "PUT".equals(method)) || request.getBody() == null) {
      return null;
    }
    JsonNode body;
    try {
      body = JSON.readTree(request.getBody().getBytes());
    } catch (Exception e) {
      return null;
    }
    return check(method, body);
  }

  /** As {@link #check(RecordedRequest)}, for an object about to be created (POST) or replaced (PUT), e.g. by an apply. */
  static MockResponse check(String method, JsonNode body) {
    if (body == null || !body.isObject()) {
      return null;
    }
    String kind = body.path("kind").asText("");
    if (kind.isEmpty() || NOT_CHECKED.contains(kind)) {
      return null;
    }
    String name = body.path("metadata").path("name").asText("");
    List<String[]> errors = new ArrayList<>(); // field, value, message
    if ("POST".equals(method) && !name.isEmpty()) {
      switch (kind) {
        case "Namespace" -> label1123("metadata.name", name, errors);
        case "Service" -> {
          if (name.length() > 63) {
            errors.add(new String[] {"metadata.name", name, "must be no more than 63 characters"});
          } else if (!LABEL_1035.matcher(name).matches()) {
            errors.add(new String[] {"metadata.name", name, "a DNS-1035 label must consist of lower case alphanumeric characters or '-', "
                + "start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', "
                + "regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"});
          }
        }
        default -> {
          subdomain("metadata.name", name, errors);
          if ("CronJob".equals(kind) && name.length() > 52) {
            errors.add(new String[] {"metadata.name", name, "must be no more than 52 characters"});
          }
          if ("Job".equals(kind) && name.length() > 63) {
            errors.add(new String[] {"spec.template.labels", name, "must be no more than 63 characters"});
          }
        }
      }
    }
    labels("metadata.labels", body.path("metadata").path("labels"), errors);
    JsonNode spec = body.path("spec");
    if ("Service".equals(kind)) {
      labels("spec.selector", spec.path("selector"), errors);
    } else {
      labels("spec.selector.matchLabels", spec.path("selector").path("matchLabels"), errors);
    }
    labels("spec.template.metadata.labels", spec.path("template").path("metadata").path("labels"), errors);
    labels("spec.jobTemplate.metadata.labels", spec.path("jobTemplate").path("metadata").path("labels"), errors);
    labels("spec.jobTemplate.spec.template.metadata.labels",
        spec.path("jobTemplate").path("spec").path("template").path("metadata").path("labels"), errors);
    // pod templates of the built-in workloads (a custom resource's spec.template is the CRD schema's business)
    boolean workload = List.of("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job").contains(kind);
    for (String list : List.of("containers", "initContainers")) {
      JsonNode containers = "Pod".equals(kind) ? spec.path(list) : workload ? spec.path("template").path("spec").path(list) : null;
      String field = "Pod".equals(kind) ? "spec." : "spec.template.spec.";
      for (int i = 0; containers != null && i < containers.size(); i++) {
        label1123(field + list + "[" + i + "].name", containers.get(i).path("name").asText(""), errors);
      }
    }
    return errors.isEmpty() ? null : invalid(kind, name, errors);
  }

  private static void subdomain(String field, String name, List<String[]> errors) {
    if (name.length() > 253) {
      errors.add(new String[] {field, name, "must be no more than 253 characters"});
    } else if (!SUBDOMAIN.matcher(name).matches()) {
      errors.add(new String[] {field, name, "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
          + "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
          + "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"});
    }
  }

  private static void label1123(String field, String name, List<String[]> errors) {
    if (name.isEmpty()) {
      errors.add(new String[] {field, name, "Required value"});
    } else if (name.length() > 63) {
      errors.add(new String[] {field, name, "must be no more than 63 characters"});
    } else if (!LABEL_1123.matcher(name).matches()) {
      errors.add(new String[] {field, name, "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
          + "and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
          + "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')"});
    }
  }

  private static void labels(String field, JsonNode labels, List<String[]> errors) {
    if (labels == null || !labels.isObject()) {
      return;
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = labels.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String key = e.getKey();
      String keyName = key.contains("/") ? key.substring(key.indexOf('/') + 1) : key;
      String prefix = key.contains("/") ? key.substring(0, key.indexOf('/')) : null;
      if (keyName.isEmpty() || keyName.length() > 63 || !LABEL_VALUE.matcher(keyName).matches()
          || (prefix != null && (prefix.length() > 253 || !SUBDOMAIN.matcher(prefix).matches()))) {
        errors.add(new String[] {field, key, "name part must consist of alphanumeric characters, '-', '_' or '.', and must start "
            + "and end with an alphanumeric character, at most 63 characters, with an optional DNS subdomain prefix and '/'"});
      }
      String value = e.getValue().asText("");
      if (value.length() > 63) {
        errors.add(new String[] {field, value, "must be no more than 63 characters"});
      } else if (!LABEL_VALUE.matcher(value).matches()) {
        errors.add(new String[] {field, value, "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' "
            + "or '.', and must start and end with an alphanumeric character"});
      }
    }
  }

  /** As the real API server words it: {kind: Status, status: Failure, reason: Invalid, code: 422, details.causes}. */
  private static MockResponse invalid(String kind, String name, List<String[]> errors) {
    ObjectNode status = JSON.createObjectNode().put("kind", "Status").put("apiVersion", "v1");
    status.putObject("metadata");
    List<String> parts = errors.stream().map(e -> e[0] + ": Invalid value: \"" + e[1] + "\": " + e[2]).toList();
    status.put("status", "Failure")
        .put("message", kind + " \"" + name + "\" is invalid: " + (parts.size() == 1 ? parts.get(0) : "[" + String.join(", ", parts) + "]"))
        .put("reason", "Invalid");
    ObjectNode details = status.putObject("details").put("name", name).put("kind", kind.toLowerCase(java.util.Locale.ROOT));
    var causes = details.putArray("causes");
    for (String[] e : errors) {
      causes.addObject().put("reason", "FieldValueInvalid").put("message", "Invalid value: \"" + e[1] + "\": " + e[2]).put("field", e[0]);
    }
    status.put("code", 422);
    try {
      return new MockResponse().setResponseCode(422).setHeader("Content-Type", "application/json").setBody(JSON.writeValueAsString(status));
    } catch (Exception ex) {
      throw new IllegalStateException(ex);
    }
  }
}
