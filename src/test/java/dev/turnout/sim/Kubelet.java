package dev.turnout.sim;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodIPBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Plays the scheduler and kubelet for every pod: gives it an IP and phase Running at once,
 * and makes it Ready after a delay unless a test said otherwise. Containers are never run.
 *
 * <p>On the real control plane ({@code node} set) it also does what kube-scheduler and a kubelet do there: binds
 * each unscheduled pod to the one fake node with a Binding (pods/binding, as the scheduler does), and runs the
 * pods of Jobs through {@link JobPods} so that the real Job controller sees them end.
 */
final class Kubelet {
  static final String READY = "Ready";
  static final String CONTAINERS_READY = "ContainersReady";

  private final KubernetesClient client;
  private final SimLoop loop;
  private final ReadinessRules readiness;
  private final AppEndpoints appEndpoints;
  private final Clock clock;
  private final Duration readyDelay;
  /** When each pod (by uid) has finished "starting" and may become Ready. */
  private final Map<String, Instant> startedAt = new ConcurrentHashMap<>();
  /** The fake node's name on the real control plane; null on the embedded cluster (no scheduling there). */
  private final String node;
  private final JobPods jobPods;
  private static volatile String hostIp = "127.0.0.1";

  Kubelet(KubernetesClient client, SimLoop loop, ReadinessRules readiness, AppEndpoints appEndpoints,
      Clock clock, Duration readyDelay) {
    this(client, loop, readiness, appEndpoints, clock, readyDelay, null, null);
  }

  Kubelet(KubernetesClient client, SimLoop loop, ReadinessRules readiness, AppEndpoints appEndpoints,
      Clock clock, Duration readyDelay, String node, JobPods jobPods) {
    this.client = client;
    this.loop = loop;
    this.readiness = readiness;
    this.appEndpoints = appEndpoints;
    this.clock = clock;
    this.readyDelay = readyDelay;
    this.node = node;
    this.jobPods = jobPods;
  }

  static String hostIp() {
    return hostIp;
  }

  static void useHostIp(String ip) {
    hostIp = ip;
  }

  void enqueue(String namespace, String name) {
    loop.submit(namespace, "kubelet/" + namespace + "/" + name, () -> reconcile(namespace, name));
  }

  void podDeleted(Pod pod) {
    startedAt.remove(pod.getMetadata().getUid());
    if (jobPods != null) {
      jobPods.podDeleted(pod);
    }
    appEndpoints.podGone(pod);
  }

  /** Whether the pod has condition Ready=True (what controllers and EndpointSlices go by). */
  static boolean isReady(Pod pod) {
    return pod.getStatus() != null && pod.getStatus().getConditions().stream()
        .anyMatch(c -> READY.equals(c.getType()) && "True".equals(c.getStatus()));
  }

  private void reconcile(String namespace, String name) {
    Pod pod = client.pods().inNamespace(namespace).withName(name).get();
    if (pod == null) {
      return;
    }
    if (pod.getMetadata().getDeletionTimestamp() != null) {
      if (node != null && node.equals(pod.getSpec().getNodeName())) {
        // As the kubelet does once a pod's containers have stopped: confirm the graceful deletion with grace
        // period 0 (https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination). Without
        // it the API server keeps the pod Terminating for ever and namespace deletion never ends.
        appEndpoints.podGone(pod);
        client.pods().inNamespace(namespace).withName(name).withGracePeriod(0).delete();
      }
      return;
    }
    if (node == null && JobPods.isTerminal(pod)) {
      // a pod that ended (restartPolicy Never, as Jobs' pods) is never started again; tests on the embedded cluster
      // leave a Job's pod terminated with its termination message, as the kubelet would (RestoreDrillLifecycleTest)
      return;
    }
    if (node != null) {
      if (pod.getSpec().getNodeName() == null) {
        bind(pod); // the pod's update event brings it back here, scheduled
        return;
      }
      if (!node.equals(pod.getSpec().getNodeName()) || JobPods.isTerminal(pod)) {
        return;
      }
      var job = JobPods.jobOwner(pod);
      if (job != null) {
        jobPods.podSeen(pod, job, currentOrNewIp(pod));
        return;
      }
    }
    String uid = pod.getMetadata().getUid();
    Instant now = clock.instant();
    Instant readyAt = startedAt.computeIfAbsent(uid, u -> now.plus(readyDelay));
    boolean started = !now.isBefore(readyAt);
    if (!started) {
      loop.schedule(namespace, "kubelet-start/" + uid, () -> enqueue(namespace, name),
          Duration.between(now, readyAt).plusMillis(5));
    }
    boolean ready = started && readiness.allows(pod) && readinessGatesPass(pod);
    PodStatus wanted = desiredStatus(pod, ready, now);
    if (!Objects.equals(withoutTimes(pod.getStatus()), withoutTimes(wanted))) {
      pod.setStatus(wanted);
      pod = client.resource(pod).updateStatus();
    }
    appEndpoints.podRunning(pod);
  }

  /** As kube-scheduler does: POST a Binding of the pod to the node (the API server sets spec.nodeName). */
  private void bind(Pod pod) {
    client.bindings().inNamespace(pod.getMetadata().getNamespace()).resource(new io.fabric8.kubernetes.api.model.BindingBuilder()
        .withNewMetadata().withName(pod.getMetadata().getName()).withUid(pod.getMetadata().getUid()).endMetadata()
        .withNewTarget().withApiVersion("v1").withKind("Node").withName(node).endTarget()
        .build()).create();
  }

  private static String currentOrNewIp(Pod pod) {
    return pod.getStatus() != null && pod.getStatus().getPodIP() != null ? pod.getStatus().getPodIP() : PodIps.next();
  }

  /** As the kubelet: a pod with spec.readinessGates is Ready only when each gate's condition is True. */
  static boolean readinessGatesPass(Pod pod) {
    if (pod.getSpec().getReadinessGates() == null || pod.getSpec().getReadinessGates().isEmpty()) {
      return true;
    }
    List<PodCondition> conditions = pod.getStatus() == null ? List.of() : pod.getStatus().getConditions();
    return pod.getSpec().getReadinessGates().stream().allMatch(g -> conditions.stream()
        .anyMatch(c -> g.getConditionType().equals(c.getType()) && "True".equals(c.getStatus())));
  }

  private PodStatus desiredStatus(Pod pod, boolean ready, Instant now) {
    PodStatus current = pod.getStatus();
    String ip = currentOrNewIp(pod);
    String startTime = current != null && current.getStartTime() != null ? current.getStartTime() : now.toString();
    String readyText = ready ? "True" : "False";
    // ContainersReady follows the containers alone; Ready also waits for readiness gates
    String containersReady = ready || (readinessGateOnly(pod, now)) ? "True" : "False";
    List<PodCondition> conditions = new java.util.ArrayList<>(List.of(
        condition(current, "PodReadyToStartContainers", "True", now),
        condition(current, "Initialized", "True", now),
        condition(current, READY, readyText, now),
        condition(current, CONTAINERS_READY, containersReady, now),
        condition(current, "PodScheduled", "True", now)));
    // conditions set by others (readiness gates) are kept, as the kubelet does
    if (current != null) {
      java.util.Set<String> own = java.util.Set.of("PodReadyToStartContainers", "Initialized", READY, CONTAINERS_READY, "PodScheduled");
      current.getConditions().stream().filter(c -> !own.contains(c.getType())).forEach(conditions::add);
    }
    List<ContainerStatus> containers = pod.getSpec().getContainers().stream()
        .map(c -> new ContainerStatusBuilder()
            .withName(c.getName())
            .withImage(c.getImage())
            .withImageID(c.getImage())
            .withReady(ready || readinessGateOnly(pod, now))
            .withStarted(true)
            .withRestartCount(0)
            .withNewState().withNewRunning().withStartedAt(startTime).endRunning().endState()
            .build())
        .toList();
    return new PodStatusBuilder()
        .withPhase("Running")
        .withHostIP(hostIp)
        .withPodIP(ip)
        .withPodIPs(new PodIPBuilder().withIp(ip).build())
        .withStartTime(startTime)
        .withQosClass("BestEffort")
        .withConditions(conditions)
        .withContainerStatuses(containers)
        .build();
  }

  /** Started and allowed by the readiness rules, held back only by a readiness gate. */
  private boolean readinessGateOnly(Pod pod, Instant now) {
    Instant readyAt = startedAt.get(pod.getMetadata().getUid());
    return readyAt != null && !now.isBefore(readyAt) && readiness.allows(pod) && !readinessGatesPass(pod);
  }

  /** Keeps lastTransitionTime unless the condition's status really changes, as the kubelet does. */
  private static PodCondition condition(PodStatus current, String type, String status, Instant now) {
    if (current != null) {
      for (PodCondition c : current.getConditions()) {
        if (type.equals(c.getType()) && status.equals(c.getStatus())) {
          return c;
        }
      }
    }
    return new PodConditionBuilder().withType(type).withStatus(status)
        .withLastTransitionTime(now.toString()).build();
  }

  /** Status compared without timestamps, so an unchanged pod is never rewritten. */
  private static String withoutTimes(PodStatus status) {
    if (status == null) {
      return null;
    }
    StringBuilder sb = new StringBuilder(status.getPhase() + "|" + status.getPodIP());
    status.getConditions().forEach(c -> sb.append('|').append(c.getType()).append('=').append(c.getStatus()));
    status.getContainerStatuses().forEach(c -> sb.append('|').append(c.getName()).append('=').append(c.getReady()));
    return sb.toString();
  }
}
