package dev.turnout.apprelease;

import dev.turnout.common.Labels;
import dev.turnout.common.OwnedObjects;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds the desired Deployments and Services of a release. Pure: no API access. */
public final class ReleaseObjectsFactory {
  private ReleaseObjectsFactory() {}

  public static Map<String, String> commonLabels(AppRelease release) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE);
    labels.put(Labels.INSTANCE, release.getMetadata().getName());
    labels.put(Labels.RELEASE, release.getMetadata().getName());
    return labels;
  }

  public static Map<String, String> colorSelector(AppRelease release, Color color) {
    Map<String, String> selector = new LinkedHashMap<>();
    selector.put(Labels.INSTANCE, release.getMetadata().getName());
    selector.put(Labels.COLOR, color.label());
    return selector;
  }

  /** A color's Deployment running the given revision of the spec's template. */
  public static Deployment deployment(
      AppRelease release, Color color, long revision, String revisionHash, String configChecksum, int replicas) {
    return deployment(release, color, revision, revisionHash, configChecksum, replicas, null);
  }

  /** As above, with a pod readiness gate of this condition type (the HealthPolicy's readinessGate), when not null. */
  public static Deployment deployment(AppRelease release, Color color, long revision, String revisionHash,
      String configChecksum, int replicas, String readinessGateCondition) {
    return deployment(release, color, podTemplate(release, color, revision, configChecksum, readinessGateCondition),
        revisionHash, replicas);
  }

  /**
   * The pod template a revision runs on a color: the spec's template with the color's and revision's labels, the
   * config checksum and the readiness gate. What a revision ran is recorded from this ({@link RevisionTemplates}).
   */
  public static PodTemplateSpec podTemplate(AppRelease release, Color color, long revision, String configChecksum,
      String readinessGateCondition) {
    PodTemplateSpec template =
        Serialization.clone(release.getSpec().template == null ? new PodTemplateSpec() : release.getSpec().template);
    if (readinessGateCondition != null && template.getSpec() != null) {
      List<io.fabric8.kubernetes.api.model.PodReadinessGate> gates = new java.util.ArrayList<>(
          template.getSpec().getReadinessGates() == null ? List.of() : template.getSpec().getReadinessGates());
      if (gates.stream().noneMatch(g -> readinessGateCondition.equals(g.getConditionType()))) {
        gates.add(new io.fabric8.kubernetes.api.model.PodReadinessGate(readinessGateCondition));
      }
      template.getSpec().setReadinessGates(gates);
    }
    ObjectMeta podMeta = template.getMetadata() == null ? new ObjectMeta() : template.getMetadata();
    Map<String, String> podLabels = new HashMap<>(podMeta.getLabels() == null ? Map.of() : podMeta.getLabels());
    podLabels.putAll(colorSelector(release, color));
    podLabels.put(Labels.REVISION, Long.toString(revision));
    podMeta.setLabels(podLabels);
    Map<String, String> podAnnotations = new HashMap<>(podMeta.getAnnotations() == null ? Map.of() : podMeta.getAnnotations());
    if (configChecksum != null) {
      // a change of referenced Secrets/ConfigMaps restarts pods, like the checksum annotation of Helm charts
      podAnnotations.put(Labels.CONFIG_CHECKSUM, configChecksum);
    }
    // no empty map: applied, it would claim the field for nothing
    podMeta.setAnnotations(podAnnotations.isEmpty() ? null : podAnnotations);
    template.setMetadata(podMeta);
    return template;
  }

  /**
   * A color's Deployment running {@code podTemplate} (see {@link #podTemplate}) with {@code replicas} pods. Written
   * with server-side apply: Turnout owns exactly the fields set here, spec.replicas included.
   */
  public static Deployment deployment(AppRelease release, Color color, PodTemplateSpec podTemplate, String revisionHash, int replicas) {
    Map<String, String> labels = commonLabels(release);
    labels.put(Labels.COLOR, color.label());
    String podRevision = podTemplate.getMetadata() == null || podTemplate.getMetadata().getLabels() == null
        ? null : podTemplate.getMetadata().getLabels().get(Labels.REVISION);
    if (podRevision != null) {
      labels.put(Labels.REVISION, podRevision);
    }
    return new DeploymentBuilder()
        .withMetadata(
            new ObjectMetaBuilder()
                .withName(release.deploymentName(color))
                .withNamespace(release.getMetadata().getNamespace())
                .withLabels(labels)
                .withAnnotations(Map.of(Labels.REVISION_HASH, revisionHash))
                .withOwnerReferences(OwnedObjects.ownerReference(release))
                .build())
        .withNewSpec()
        .withReplicas(replicas)
        .withNewSelector()
        .withMatchLabels(colorSelector(release, color))
        .endSelector()
        .withTemplate(Serialization.clone(podTemplate))
        .withProgressDeadlineSeconds(release.getSpec().strategyOrDefault().progressDeadline())
        .endSpec()
        .build();
  }

  /**
   * A Service of the release, selecting a color. Written with server-side apply, it sets neither clusterIP nor type:
   * the API server assigns the first, and a type someone else set is theirs.
   */
  public static Service service(AppRelease release, String name, Color color, String role) {
    Map<String, String> labels = commonLabels(release);
    labels.put("turnout.dev/service-role", role);
    return new ServiceBuilder()
        .withMetadata(
            new ObjectMetaBuilder()
                .withName(name)
                .withNamespace(release.getMetadata().getNamespace())
                .withLabels(labels)
                .withOwnerReferences(OwnedObjects.ownerReference(release))
                .build())
        .withNewSpec()
        .withSelector(colorSelector(release, color))
        .withPorts(release.getSpec().service.ports)
        .endSpec()
        .build();
  }

  /** Job name of a pre-promotion hook for a revision: <release>-<hook>-r<revision>, shortened with a hash past 63. */
  public static String hookJobName(AppRelease release, HookSpec hook, long revision) {
    String name = release.getMetadata().getName() + "-" + hook.name + "-r" + revision;
    return name.length() <= 63 ? name : name.substring(0, 54) + "-" + OwnedObjects.hash(name).substring(0, 8);
  }

  /**
   * The Job of a pre-promotion hook: the user's template, owned by the release, restartPolicy Never unless set,
   * and the environment that tells it what to test (the preview Service, revision, version, color).
   */
  public static Job hookJob(AppRelease release, HookSpec hook, String name, Color color, long revision) {
    String ns = release.getMetadata().getNamespace();
    Map<String, String> labels = commonLabels(release);
    labels.put("turnout.dev/hook", hook.name);
    labels.put(Labels.REVISION, Long.toString(revision));
    Job job = new JobBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(ns)
        .withLabels(labels)
        .withOwnerReferences(OwnedObjects.ownerReference(release))
        .endMetadata()
        .withSpec(Serialization.clone(hook.template.getSpec()))
        .build();
    var pod = job.getSpec().getTemplate().getSpec();
    if (pod.getRestartPolicy() == null) {
      pod.setRestartPolicy("Never");
    }
    List<EnvVar> env = List.of(
        new EnvVar("TURNOUT_PREVIEW_SERVICE", release.previewServiceName() + "." + ns + ".svc", null),
        new EnvVar("TURNOUT_REVISION", Long.toString(revision), null),
        new EnvVar("TURNOUT_VERSION", release.getSpec().version, null),
        new EnvVar("TURNOUT_COLOR", color.label(), null));
    pod.getContainers().forEach(c -> {
      List<EnvVar> all = new ArrayList<>(c.getEnv() == null ? List.of() : c.getEnv());
      all.addAll(env);
      c.setEnv(all);
    });
    return job;
  }
}
