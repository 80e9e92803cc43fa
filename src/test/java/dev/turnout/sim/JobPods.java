package dev.turnout.sim;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kubelet's part for the pods of Jobs on the real control plane: the real Job controller (in
 * kube-controller-manager) creates the pods and reads their phase; this runs each pod once, as {@link JobRules}
 * say for its Job, and ends it the way a kubelet reports a container that exited
 * (https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-phase: phase Succeeded when every
 * container exited 0, Failed otherwise; the container's state is terminated with exitCode and reason
 * Completed or Error). The Job controller then counts the pod and writes the Job's conditions itself.
 */
final class JobPods implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(JobPods.class);

  private final KubernetesClient client;
  private final SimLoop loop;
  private final Clock clock;
  private final JobRules rules;
  /** Uids of pods already started, so that every pod runs exactly once. */
  private final Set<String> started = ConcurrentHashMap.newKeySet();
  private final ExecutorService runners = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "sim-job-pod-runner");
    t.setDaemon(true);
    return t;
  });

  JobPods(KubernetesClient client, SimLoop loop, Clock clock, JobRules rules) {
    this.client = client;
    this.loop = loop;
    this.clock = clock;
    this.rules = rules;
  }

  /** The Job that controls the pod, or null for pods of anything else. */
  static OwnerReference jobOwner(Pod pod) {
    return pod.getMetadata().getOwnerReferences().stream()
        .filter(o -> "Job".equals(o.getKind()) && Boolean.TRUE.equals(o.getController()))
        .findFirst().orElse(null);
  }

  static boolean isTerminal(Pod pod) {
    return pod.getStatus() != null
        && ("Succeeded".equals(pod.getStatus().getPhase()) || "Failed".equals(pod.getStatus().getPhase()));
  }

  /** Starts the pod's run once; later calls for the same pod do nothing. */
  void podSeen(Pod pod, OwnerReference owner, String podIp) {
    String uid = pod.getMetadata().getUid();
    if (isTerminal(pod) || started.contains(uid)) {
      return;
    }
    String namespace = pod.getMetadata().getNamespace();
    Job job = client.batch().v1().jobs().inNamespace(namespace).withName(owner.getName()).get();
    if (job == null || !owner.getUid().equals(job.getMetadata().getUid())) {
      return;
    }
    // an API error above or here leaves the pod unrecorded, so the loop's retry starts it again
    setStatus(namespace, pod.getMetadata().getName(), uid, running(pod, podIp));
    if (!started.add(uid)) {
      return;
    }
    JobRules.Rule rule = rules.ruleFor(job);
    if (rule.hang()) {
      return;
    }
    if (rule.runner() != null) {
      loop.schedule(namespace, "job-pod-run/" + uid, () -> runners.submit(() -> {
        JobResult result;
        try {
          result = rule.runner().run(job);
        } catch (Exception e) {
          LOG.info("job runner for {}/{} threw", namespace, job.getMetadata().getName(), e);
          result = JobResult.failure("Error", String.valueOf(e));
        }
        JobResult outcome = result;
        loop.submit(namespace, "job-pod-end/" + uid, () -> end(namespace, pod.getMetadata().getName(), uid, podIp, outcome));
      }), rule.delay());
    } else {
      loop.schedule(namespace, "job-pod-end/" + uid, () -> end(namespace, pod.getMetadata().getName(), uid, podIp, rule.result()),
          rule.delay());
    }
  }

  void podDeleted(Pod pod) {
    started.remove(pod.getMetadata().getUid());
  }

  private void end(String namespace, String name, String uid, String podIp, JobResult result) {
    Pod pod = client.pods().inNamespace(namespace).withName(name).get();
    if (pod == null || !uid.equals(pod.getMetadata().getUid()) || isTerminal(pod)) {
      return;
    }
    setStatus(namespace, name, uid, terminated(pod, podIp, result));
  }

  /** Writes the status on a fresh read; a conflict with the Job controller's finalizer update is retried by the loop. */
  private void setStatus(String namespace, String name, String uid, PodStatus status) {
    Pod pod = client.pods().inNamespace(namespace).withName(name).get();
    if (pod == null || !uid.equals(pod.getMetadata().getUid()) || isTerminal(pod)) {
      return;
    }
    pod.setStatus(status);
    client.resource(pod).updateStatus();
  }

  private PodStatus running(Pod pod, String podIp) {
    String now = clock.instant().toString();
    List<ContainerStatus> containers = pod.getSpec().getContainers().stream()
        .map(c -> new ContainerStatusBuilder().withName(c.getName()).withImage(c.getImage()).withImageID(c.getImage())
            .withReady(true).withStarted(true).withRestartCount(0)
            .withNewState().withNewRunning().withStartedAt(now).endRunning().endState().build())
        .toList();
    return new PodStatusBuilder().withPhase("Running").withHostIP(Kubelet.hostIp()).withPodIP(podIp)
        .addNewPodIP().withIp(podIp).endPodIP().withStartTime(now).withQosClass("BestEffort")
        .withConditions(
            new PodConditionBuilder().withType("PodScheduled").withStatus("True").withLastTransitionTime(now).build(),
            new PodConditionBuilder().withType("Initialized").withStatus("True").withLastTransitionTime(now).build(),
            new PodConditionBuilder().withType("Ready").withStatus("True").withLastTransitionTime(now).build(),
            new PodConditionBuilder().withType("ContainersReady").withStatus("True").withLastTransitionTime(now).build())
        .withContainerStatuses(containers)
        .build();
  }

  private PodStatus terminated(Pod pod, String podIp, JobResult result) {
    String now = clock.instant().toString();
    String started = pod.getStatus() != null && pod.getStatus().getStartTime() != null ? pod.getStatus().getStartTime() : now;
    int exitCode = result.succeeded() ? 0 : 1;
    String reason = result.succeeded() ? "Completed" : "Error";
    List<ContainerStatus> containers = pod.getSpec().getContainers().stream()
        .map(c -> new ContainerStatusBuilder().withName(c.getName()).withImage(c.getImage()).withImageID(c.getImage())
            .withReady(false).withStarted(false).withRestartCount(0)
            .withNewState().withNewTerminated().withExitCode(exitCode).withReason(reason)
            // the kubelet: the terminationMessagePath file, else (FallbackToLogsOnError, failed) the log's tail
            .withMessage(result.terminationMessage() != null ? result.terminationMessage()
                : result.succeeded() ? null : result.message())
            .withStartedAt(started).withFinishedAt(now).endTerminated().endState().build())
        .toList();
    return new PodStatusBuilder().withPhase(result.succeeded() ? "Succeeded" : "Failed").withHostIP(Kubelet.hostIp())
        .withPodIP(podIp).addNewPodIP().withIp(podIp).endPodIP().withStartTime(started).withQosClass("BestEffort")
        .withConditions(
            new PodConditionBuilder().withType("PodScheduled").withStatus("True").withLastTransitionTime(started).build(),
            new PodConditionBuilder().withType("Initialized").withStatus("True").withLastTransitionTime(started).build(),
            new PodConditionBuilder().withType("Ready").withStatus("False").withReason("PodCompleted")
                .withLastTransitionTime(now).build(),
            new PodConditionBuilder().withType("ContainersReady").withStatus("False").withReason("PodCompleted")
                .withLastTransitionTime(now).build())
        .withContainerStatuses(containers)
        .build();
  }

  @Override
  public void close() {
    runners.shutdownNow();
  }
}
