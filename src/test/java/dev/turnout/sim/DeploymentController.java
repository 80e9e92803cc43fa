package dev.turnout.sim;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Plays the Deployment and ReplicaSet controllers: keeps spec.replicas pods of the current pod
 * template, replaces pods of an older template one Ready pod at a time (like maxSurge 100%,
 * maxUnavailable 0), and reports status and the Available / Progressing conditions. For simplicity
 * there are no ReplicaSet objects: pods are owned by the Deployment directly.
 */
final class DeploymentController {
  static final String TEMPLATE_HASH = "pod-template-hash";
  /** The alphabet Kubernetes uses for generated names, so names look like the real thing. */
  private static final String SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final KubernetesClient client;
  private final SimLoop loop;
  private final Clock clock;

  DeploymentController(KubernetesClient client, SimLoop loop, Clock clock) {
    this.client = client;
    this.loop = loop;
    this.clock = clock;
  }

  void enqueue(String namespace, String name) {
    loop.submit(namespace, "deployment/" + namespace + "/" + name, () -> reconcile(namespace, name));
  }

  /** A pod changed: its owning Deployment has to look again. */
  void podChanged(Pod pod) {
    pod.getMetadata().getOwnerReferences().stream()
        .filter(ref -> "Deployment".equals(ref.getKind()))
        .forEach(ref -> enqueue(pod.getMetadata().getNamespace(), ref.getName()));
  }

  static String templateHash(PodTemplateSpec template) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
          .digest(Serialization.asJson(template).getBytes(StandardCharsets.UTF_8));
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < 10; i++) {
        sb.append(SAFE_ALPHABET.charAt((digest[i] & 0xff) % SAFE_ALPHABET.length()));
      }
      return sb.toString();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private void reconcile(String namespace, String name) {
    Deployment deployment = client.apps().deployments().inNamespace(namespace).withName(name).get();
    if (deployment == null || deployment.getMetadata().getDeletionTimestamp() != null) {
      return;
    }
    String uid = deployment.getMetadata().getUid();
    String hash = templateHash(deployment.getSpec().getTemplate());
    int replicas = Objects.requireNonNullElse(deployment.getSpec().getReplicas(), 1);

    List<Pod> owned = new ArrayList<>(client.pods().inNamespace(namespace).list().getItems().stream()
        .filter(p -> Selectors.isOwnedBy(p, uid))
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
        .toList());
    List<Pod> current = new ArrayList<>(owned.stream().filter(p -> hash.equals(templateHashOf(p))).toList());
    List<Pod> old = new ArrayList<>(owned.stream().filter(p -> !hash.equals(templateHashOf(p))).toList());

    while (current.size() < replicas) {
      current.add(createPod(deployment, hash));
    }
    deleteSurplus(current, current.size() - replicas);
    long readyCurrent = current.stream().filter(Kubelet::isReady).count();
    // Old pods go only once enough new ones are Ready, so a rollout never drops capacity.
    int oldAllowed = (int) Math.max(0, replicas - readyCurrent);
    deleteSurplus(old, old.size() - oldAllowed);

    List<Pod> all = new ArrayList<>(current);
    all.addAll(old);
    writeStatus(deployment, replicas, current, all, hash);
  }

  private static String templateHashOf(Pod pod) {
    return pod.getMetadata().getLabels() == null ? null : pod.getMetadata().getLabels().get(TEMPLATE_HASH);
  }

  /** Deletes count pods, not-Ready ones first, then the newest, as the ReplicaSet controller prefers. */
  private void deleteSurplus(List<Pod> pods, int count) {
    if (count <= 0) {
      return;
    }
    pods.sort(Comparator.comparing((Pod p) -> Kubelet.isReady(p))
        .thenComparing((Pod p) -> p.getMetadata().getCreationTimestamp(), Comparator.reverseOrder()));
    for (Pod pod : new ArrayList<>(pods.subList(0, count))) {
      client.resource(pod).delete();
      pods.remove(pod);
    }
  }

  private Pod createPod(Deployment deployment, String hash) {
    PodTemplateSpec template = deployment.getSpec().getTemplate();
    ObjectMeta templateMeta = template.getMetadata() == null ? new ObjectMeta() : template.getMetadata();
    Map<String, String> labels = new HashMap<>(Objects.requireNonNullElse(templateMeta.getLabels(), Map.of()));
    labels.put(TEMPLATE_HASH, hash);
    Pod pod = new Pod();
    pod.setMetadata(new ObjectMeta());
    pod.getMetadata().setName(generatedName(deployment.getMetadata().getName() + "-" + hash + "-"));
    pod.getMetadata().setNamespace(deployment.getMetadata().getNamespace());
    pod.getMetadata().setLabels(labels);
    pod.getMetadata().setAnnotations(templateMeta.getAnnotations());
    pod.getMetadata().setOwnerReferences(List.of(Selectors.controllerRef(deployment)));
    pod.setSpec(Serialization.clone(template.getSpec()));
    return client.resource(pod).create();
  }

  /**
   * A pod name as the API server generates it from the ReplicaSet's generateName {@code <deployment>-<hash>-}
   * (k8s.io/apiserver names.SimpleNameGenerator): the base cut to 58 characters (maxGeneratedNameLength = 63 - 5),
   * then 5 random ones. So with a long Deployment name a pod's name need not start with it.
   */
  static String generatedName(String generateName) {
    String base = generateName.length() > 58 ? generateName.substring(0, 58) : generateName;
    return base + randomSuffix();
  }

  private static String randomSuffix() {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 5; i++) {
      sb.append(SAFE_ALPHABET.charAt(RANDOM.nextInt(SAFE_ALPHABET.length())));
    }
    return sb.toString();
  }

  private void writeStatus(Deployment deployment, int replicas, List<Pod> current, List<Pod> all,
      String hash) {
    int ready = (int) all.stream().filter(Kubelet::isReady).count();
    int updated = current.size();
    int unavailable = Math.max(0, replicas - ready);
    boolean available = ready >= replicas - maxUnavailable(deployment, replicas);
    boolean complete = updated == replicas && all.size() == replicas && ready == replicas;
    DeploymentStatus previous = deployment.getStatus();
    Instant now = clock.instant();

    String rsName = deployment.getMetadata().getName() + "-" + hash;
    List<DeploymentCondition> conditions = List.of(
        condition(previous, "Available", available ? "True" : "False",
            available ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
            available ? "Deployment has minimum availability."
                : "Deployment does not have minimum availability.", now),
        progressing(deployment, previous, complete, rsName, now));

    DeploymentStatus wanted = new DeploymentStatusBuilder()
        .withObservedGeneration(deployment.getMetadata().getGeneration())
        .withReplicas(nullIfZero(all.size()))
        .withUpdatedReplicas(nullIfZero(updated))
        .withReadyReplicas(nullIfZero(ready))
        .withAvailableReplicas(nullIfZero(ready))
        .withUnavailableReplicas(nullIfZero(unavailable))
        .withConditions(conditions)
        .build();
    if (!Objects.equals(Serialization.asJson(previous), Serialization.asJson(wanted))) {
      deployment.setStatus(wanted);
      client.resource(deployment).updateStatus();
    }
  }

  /** Progressing goes False with ProgressDeadlineExceeded when a rollout stalls too long. */
  private DeploymentCondition progressing(Deployment deployment, DeploymentStatus previous,
      boolean complete, String rsName, Instant now) {
    if (complete) {
      return condition(previous, "Progressing", "True", "NewReplicaSetAvailable",
          "ReplicaSet \"" + rsName + "\" has successfully progressed.", now);
    }
    int deadline = Objects.requireNonNullElse(deployment.getSpec().getProgressDeadlineSeconds(), 600);
    DeploymentCondition last = find(previous, "Progressing");
    Instant since = last != null && "ReplicaSetUpdated".equals(last.getReason())
        ? Instant.parse(last.getLastUpdateTime()) : now;
    if (last != null && "ProgressDeadlineExceeded".equals(last.getReason())) {
      return last;
    }
    if (!now.isBefore(since.plusSeconds(deadline))) {
      return condition(previous, "Progressing", "False", "ProgressDeadlineExceeded",
          "ReplicaSet \"" + rsName + "\" has timed out progressing.", now);
    }
    loop.schedule(deployment.getMetadata().getNamespace(),
        "deployment-deadline/" + deployment.getMetadata().getUid(),
        () -> enqueue(deployment.getMetadata().getNamespace(), deployment.getMetadata().getName()),
        Duration.between(now, since.plusSeconds(deadline)).plusMillis(10));
    return condition(previous, "Progressing", "True", "ReplicaSetUpdated",
        "ReplicaSet \"" + rsName + "\" is progressing.", now);
  }

  private static int maxUnavailable(Deployment deployment, int replicas) {
    IntOrString value = deployment.getSpec().getStrategy() == null
        || deployment.getSpec().getStrategy().getRollingUpdate() == null
        ? null : deployment.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable();
    if (value == null) {
      return replicas / 4; // default 25%, rounded down
    }
    if (value.getIntVal() != null) {
      return value.getIntVal();
    }
    String percent = value.getStrVal().replace("%", "");
    return replicas * Integer.parseInt(percent) / 100;
  }

  private static DeploymentCondition find(DeploymentStatus status, String type) {
    return status == null ? null : status.getConditions().stream()
        .filter(c -> type.equals(c.getType())).findFirst().orElse(null);
  }

  /** Keeps both timestamps when nothing changed, so an idle Deployment is never rewritten. */
  private static DeploymentCondition condition(DeploymentStatus previous, String type, String status,
      String reason, String message, Instant now) {
    DeploymentCondition last = find(previous, type);
    if (last != null && status.equals(last.getStatus()) && reason.equals(last.getReason())
        && message.equals(last.getMessage())) {
      return last;
    }
    String transition = last != null && status.equals(last.getStatus())
        ? last.getLastTransitionTime() : now.toString();
    return new DeploymentConditionBuilder().withType(type).withStatus(status).withReason(reason)
        .withMessage(message).withLastUpdateTime(now.toString()).withLastTransitionTime(transition).build();
  }

  private static Integer nullIfZero(int n) {
    return n == 0 ? null : n; // the API server omits zero counts (omitempty)
  }
}
