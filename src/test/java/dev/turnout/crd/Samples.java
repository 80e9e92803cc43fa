package dev.turnout.crd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** Minimal valid resources of each kind, and a small path-based editor to break them. */
final class Samples {
  private Samples() {}

  static final String APP_RELEASE =
      """
      apiVersion: turnout.dev/v1alpha1
      kind: AppRelease
      metadata: {name: backend, namespace: auto-author}
      spec:
        version: "1.8.0"
        template:
          spec:
            containers:
            - name: api
              image: ghcr.io/example/backend:1.8.0
              ports: [{name: http, containerPort: 8000}]
        service:
          ports: [{name: http, port: 80, targetPort: http}]
      """;

  static final String HEALTH_POLICY =
      """
      apiVersion: turnout.dev/v1alpha1
      kind: HealthPolicy
      metadata: {name: backend-health, namespace: auto-author}
      spec:
        checks:
        - name: api
          http: {port: http}
      """;

  static final String DATABASE_BACKUP =
      """
      apiVersion: turnout.dev/v1alpha1
      kind: DatabaseBackup
      metadata: {name: mongo-prod, namespace: auto-author}
      spec:
        mongodb:
          uriSecretRef: {name: mongodb, key: MONGODB_URI}
        schedule: "0 3 * * *"
        storage:
          s3:
            bucket: auto-author-backups
            credentialsSecretRef: {name: backup-s3}
      """;

  static final String DATABASE_RESTORE =
      """
      apiVersion: turnout.dev/v1alpha1
      kind: DatabaseRestore
      metadata: {name: restore-1, namespace: auto-author-staging}
      spec:
        backupRef: {name: mongo-prod, namespace: auto-author}
        object: latest
        target:
          uriSecretRef: {name: mongodb-staging, key: MONGODB_URI}
      """;

  static ObjectNode parse(String yaml) {
    try {
      return (ObjectNode) CrdFiles.yaml().readTree(yaml);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** An editable copy of a sample. */
  static Edit of(String yaml) {
    return new Edit(parse(yaml));
  }

  static final class Edit {
    final ObjectNode root;

    Edit(ObjectNode root) {
      this.root = root;
    }

    /** Sets the value (given as YAML, e.g. "-1", "{a: 1}", "[x]") at a path such as spec.checks[0].http.scheme. */
    Edit set(String path, String yamlValue) {
      JsonNode value;
      try {
        value = CrdFiles.yaml().readTree(yamlValue);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      List<Object> steps = steps(path);
      JsonNode parent = parentOf(steps, true);
      Object last = steps.get(steps.size() - 1);
      if (last instanceof Integer i) {
        ArrayNode arr = (ArrayNode) parent;
        if (i < arr.size()) {
          arr.set(i, value);
        } else {
          arr.add(value);
        }
      } else {
        ((ObjectNode) parent).set((String) last, value);
      }
      return this;
    }

    Edit remove(String path) {
      List<Object> steps = steps(path);
      JsonNode parent = parentOf(steps, false);
      Object last = steps.get(steps.size() - 1);
      if (last instanceof Integer i) {
        ((ArrayNode) parent).remove(i);
      } else {
        ((ObjectNode) parent).remove((String) last);
      }
      return this;
    }

    JsonNode node() {
      return root;
    }

    private JsonNode parentOf(List<Object> steps, boolean create) {
      JsonNode cur = root;
      for (int s = 0; s < steps.size() - 1; s++) {
        Object step = steps.get(s);
        JsonNode next = step instanceof Integer i ? cur.get(i) : cur.get((String) step);
        if (next == null || next.isNull()) {
          if (!create) {
            throw new IllegalArgumentException("no " + step + " in " + cur);
          }
          next = steps.get(s + 1) instanceof Integer ? root.arrayNode() : root.objectNode();
          if (step instanceof Integer) {
            ((ArrayNode) cur).add(next);
          } else {
            ((ObjectNode) cur).set((String) step, next);
          }
        }
        cur = next;
      }
      return cur;
    }

    private static List<Object> steps(String path) {
      List<Object> steps = new ArrayList<>();
      for (String part : path.split("\\.")) {
        int b = part.indexOf('[');
        if (b < 0) {
          steps.add(part);
          continue;
        }
        if (b > 0) {
          steps.add(part.substring(0, b));
        }
        for (String idx : part.substring(b + 1, part.length() - 1).split("\\]\\[")) {
          steps.add(Integer.parseInt(idx));
        }
      }
      return steps;
    }
  }
}
