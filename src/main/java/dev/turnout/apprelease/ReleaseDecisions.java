package dev.turnout.apprelease;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/** The decisions of a blue-green release as small pure functions, unit-tested without an API server. */
public final class ReleaseDecisions {
  private ReleaseDecisions() {}

  /** Identity of a revision: what the pods run. Replicas and strategy are not part of it. */
  public static String revisionHash(AppReleaseSpec spec, String configChecksum) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(Objects.toString(spec.version, "").getBytes(StandardCharsets.UTF_8));
      md.update((byte) 0);
      md.update(Serialization.asJson(spec.template).getBytes(StandardCharsets.UTF_8));
      md.update((byte) 0);
      md.update(Objects.toString(configChecksum, "").getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(md.digest(), 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The first release goes to blue; every later one to the color that is not live. */
  public static Color colorForNewRevision(Color active) {
    return active == null ? Color.blue : active.other();
  }

  /** Fully rolled out: the controller saw the latest spec and every replica is updated and available. */
  public static boolean rolledOut(Deployment d, int replicas) {
    if (d == null || d.getStatus() == null || d.getSpec() == null) {
      return false;
    }
    var s = d.getStatus();
    long generation = Optional.ofNullable(d.getMetadata().getGeneration()).orElse(0L);
    return Optional.ofNullable(s.getObservedGeneration()).orElse(-1L) >= generation
        && Objects.equals(d.getSpec().getReplicas(), replicas)
        && n(s.getUpdatedReplicas()) == replicas
        && n(s.getAvailableReplicas()) == replicas
        && n(s.getReadyReplicas()) == replicas
        && n(s.getReplicas()) == replicas;
  }

  /** Why a Deployment is not rolled out, for a person. */
  public static String rolloutProgress(Deployment d, int replicas) {
    if (d == null) {
      return "Deployment not created yet";
    }
    var s = d.getStatus();
    if (s == null) {
      return String.format("Deployment %s: waiting for the Deployment controller", d.getMetadata().getName());
    }
    return String.format(
        "Deployment %s: %d/%d updated, %d/%d available",
        d.getMetadata().getName(), n(s.getUpdatedReplicas()), replicas, n(s.getAvailableReplicas()), replicas);
  }

  /**
   * Ready endpoints in the slices whose pod is of {@code color} and {@code revision}, by the pod's labels ({@code pods}:
   * the release's pods by name). A pod not (yet) in {@code pods} does not count.
   */
  public static long readyEndpointsOf(List<EndpointSlice> slices, Map<String, ReleasePods.PodLabels> pods, Color color, Long revision) {
    return endpoints(slices).filter(e -> isReady(e) && belongsTo(e, pods, color)
        && (revision == null || revision.toString().equals(pods.get(e.getTargetRef().getName()).revision()))).count();
  }

  /** After a switch: every endpoint behind the active Service is a pod of the new color, and one is ready. */
  public static boolean switchConverged(List<EndpointSlice> slices, Map<String, ReleasePods.PodLabels> pods, Color color) {
    List<Endpoint> all = endpoints(slices).toList();
    return !all.isEmpty()
        && all.stream().allMatch(e -> belongsTo(e, pods, color))
        && all.stream().anyMatch(ReleaseDecisions::isReady);
  }

  public static boolean deadlineMissed(Instant now, Instant startedAt, int deadlineSeconds) {
    return startedAt != null && now.isAfter(startedAt.plusSeconds(deadlineSeconds));
  }

  /** A hook Job's outcome: true succeeded, false failed, empty still running. */
  public static Optional<Boolean> jobOutcome(Job job) {
    if (job == null || job.getStatus() == null) {
      return Optional.empty();
    }
    var conditions = Stream.ofNullable(job.getStatus().getConditions()).flatMap(List::stream).toList();
    if (conditions.stream().anyMatch(c -> ("Complete".equals(c.getType()) || "SuccessCriteriaMet".equals(c.getType())) && "True".equals(c.getStatus()))) {
      return Optional.of(true);
    }
    if (conditions.stream().anyMatch(c -> ("Failed".equals(c.getType()) || "FailureTarget".equals(c.getType())) && "True".equals(c.getStatus()))) {
      return Optional.of(false);
    }
    return Optional.empty();
  }

  public static String jobFailureMessage(Job job) {
    return Stream.ofNullable(job.getStatus().getConditions())
        .flatMap(List::stream)
        .filter(c -> "Failed".equals(c.getType()))
        .map(c -> c.getReason() + ": " + c.getMessage())
        .findFirst()
        .orElse("failed");
  }

  public static List<String> images(AppReleaseSpec spec) {
    if (spec.template == null || spec.template.getSpec() == null || spec.template.getSpec().getContainers() == null) {
      return List.of();
    }
    return spec.template.getSpec().getContainers().stream().map(Container::getImage).filter(Objects::nonNull).toList();
  }

  /** The field manager that last wrote spec (kubectl, argocd-controller, kustomize-controller...), when known. */
  public static String lastSpecManager(List<ManagedFieldsEntry> entries) {
    if (entries == null) {
      return null;
    }
    return entries.stream()
        .filter(e -> e.getFieldsV1() != null && e.getFieldsV1().getAdditionalProperties().containsKey("f:spec"))
        .filter(e -> e.getSubresource() == null || e.getSubresource().isEmpty())
        .max(Comparator.comparing(e -> Objects.toString(e.getTime(), "")))
        .map(ManagedFieldsEntry::getManager)
        .orElse(null);
  }

  /**
   * Whether the endpoint's pod is of {@code color}, by its labels: never by its name, which the API server cuts to 58
   * characters before its random suffix (so with a long release name it need not start with the Deployment's name).
   */
  static boolean belongsTo(Endpoint e, Map<String, ReleasePods.PodLabels> pods, Color color) {
    if (e.getTargetRef() == null || e.getTargetRef().getName() == null
        || (e.getTargetRef().getKind() != null && !"Pod".equals(e.getTargetRef().getKind()))) {
      return false;
    }
    ReleasePods.PodLabels pod = pods.get(e.getTargetRef().getName());
    return pod != null && pod.color() == color;
  }

  static boolean isReady(Endpoint e) {
    return e.getConditions() == null || e.getConditions().getReady() == null || e.getConditions().getReady();
  }

  private static Stream<Endpoint> endpoints(List<EndpointSlice> slices) {
    return Stream.ofNullable(slices).flatMap(List::stream).flatMap(s -> Stream.ofNullable(s.getEndpoints()).flatMap(List::stream));
  }

  private static int n(Integer i) {
    return i == null ? 0 : i;
  }
}
