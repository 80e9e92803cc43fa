package dev.turnout.healthpolicy;

import dev.turnout.common.Labels;
import dev.turnout.healthpolicy.probe.CheckResult;
import dev.turnout.healthpolicy.probe.ProbeScheduler;
import dev.turnout.healthpolicy.probe.RoundResult;
import dev.turnout.healthpolicy.probe.Target;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.jboss.logging.Logger;

/**
 * Pod readiness gates: with {@code spec.readinessGate.conditionType}, the pods of the color under test are probed one
 * by one (by pod IP, whether or not they are Ready yet, since the gate itself holds Ready back) with the policy's HTTP
 * and TCP checks, and the condition is set True on a pod when every one of them passed on it in the last round,
 * False otherwise. Pod status writes run on one worker thread, never on the event loop, and only when the condition
 * changes.
 */
@ApplicationScoped
public class ReadinessGates {
  private static final Logger LOG = Logger.getLogger(ReadinessGates.class);
  static final String SUFFIX = "/pods";

  @Inject ProbeScheduler scheduler;
  @Inject HealthProbing probing;
  @Inject KubernetesClient client;
  @Inject Clock clock;

  record Watch(String namespace, String release, String conditionType, String service, String deploymentName, boolean dryRun) {}

  private final ConcurrentHashMap<String, Watch> watches = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Long> touched = new ConcurrentHashMap<>();
  private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "turnout-readiness-gates");
    t.setDaemon(true);
    return t;
  });

  static boolean isKey(String key) {
    return key.endsWith(SUFFIX);
  }

  /** Whether {@code spec} has checks a readiness gate can run per pod (HTTP or TCP; Prometheus checks are not per pod). */
  static boolean hasPodChecks(HealthPolicySpec spec) {
    return spec.checks != null && spec.checks.stream().anyMatch(c -> c.http != null || c.tcp != null);
  }

  /** Probes the pods of {@code deploymentName} for {@code spec}'s readiness gate (idempotent). */
  void watch(String ns, String release, String service, HealthPolicySpec spec, String color, String deploymentName) {
    String key = ns + "/" + release + SUFFIX;
    Watch w = new Watch(ns, release, spec.readinessGate.conditionType, service, deploymentName, Boolean.TRUE.equals(spec.dryRun));
    HealthPolicySpec podChecks = Serialization.clone(spec);
    podChecks.checks = spec.checks.stream().filter(c -> c.http != null || c.tcp != null).toList();
    Watch old = watches.put(key, w);
    if (old != null && !old.equals(w)) {
      scheduler.unregister(key);
    }
    touched.put(key, System.nanoTime());
    probing.startPods(ns);
    if (podChecks.checks.isEmpty()) {
      return;
    }
    scheduler.register(key, podChecks, () -> podTarget(w, color), (k, p, c) -> {});
  }

  void forget(String ns, String release) {
    String key = ns + "/" + release + SUFFIX;
    watches.remove(key);
    touched.remove(key);
    scheduler.unregister(key);
  }

  void sweep() {
    long now = System.nanoTime();
    touched.forEach((k, t) -> {
      if (now - t > PolicyHealthGate.IDLE.toNanos()) {
        watches.remove(k);
        touched.remove(k);
        scheduler.unregister(k);
      }
    });
  }

  /** Runs on the event loop: every running pod of the color with an IP, from the pod informer. */
  private Target podTarget(Watch w, String color) {
    Service s = probing.service(w.namespace(), w.service());
    if (s == null) {
      return null;
    }
    List<ServicePort> servicePorts = s.getSpec().getPorts() == null ? List.of() : s.getSpec().getPorts();
    List<Target.Endpoint> endpoints = new ArrayList<>();
    for (Pod p : probing.pods(w.namespace())) {
      // by labels, not by name: the API server cuts a pod's generated name to 58 characters before its random suffix
      Map<String, String> labels = p.getMetadata().getLabels() == null ? Map.of() : p.getMetadata().getLabels();
      if (!w.release().equals(labels.get(Labels.INSTANCE)) || !color.equals(labels.get(Labels.COLOR))
          || p.getMetadata().getDeletionTimestamp() != null
          || p.getStatus() == null || p.getStatus().getPodIP() == null || !"Running".equals(p.getStatus().getPhase())) {
        continue;
      }
      Map<String, Integer> ports = new LinkedHashMap<>();
      for (ServicePort sp : servicePorts) {
        Integer port = containerPort(p, sp);
        if (port != null) {
          ports.put(sp.getName() == null ? "" : sp.getName(), port);
        }
      }
      endpoints.add(new Target.Endpoint(p.getStatus().getPodIP(), ports, p.getMetadata().getName()));
    }
    return new Target(w.namespace(), w.service(), color, servicePorts, endpoints);
  }

  static Integer containerPort(Pod pod, ServicePort sp) {
    if (sp.getTargetPort() == null) {
      return sp.getPort();
    }
    if (sp.getTargetPort().getIntVal() != null) {
      return sp.getTargetPort().getIntVal();
    }
    String name = sp.getTargetPort().getStrVal();
    for (Container c : pod.getSpec().getContainers()) {
      if (c.getPorts() != null) {
        for (ContainerPort cp : c.getPorts()) {
          if (name.equals(cp.getName())) {
            return cp.getContainerPort();
          }
        }
      }
    }
    return null;
  }

  /** Called after each round of a pods key (event loop): hands the per-pod verdicts to the writer thread. */
  void roundDone(String key, RoundResult round) {
    Watch w = watches.get(key);
    if (w == null) {
      return;
    }
    Map<String, Boolean> passedByPod = new HashMap<>();
    Map<String, String> whyByPod = new HashMap<>();
    boolean othersPassed = true;
    String othersWhy = null;
    for (CheckResult r : round.results()) {
      if (r.endpoints().isEmpty()) {
        if (!r.passed()) {
          othersPassed = false;
          othersWhy = r.name() + ": " + r.message();
        }
        continue;
      }
      for (CheckResult.EndpointResult e : r.endpoints()) {
        if (e.podName() == null) {
          continue;
        }
        passedByPod.merge(e.podName(), e.passed(), Boolean::logicalAnd);
        if (!e.passed()) {
          whyByPod.putIfAbsent(e.podName(), r.name() + ": " + e.message());
        }
      }
    }
    boolean tcpPassed = othersPassed;
    String tcpWhy = othersWhy;
    writer.execute(() -> {
      for (Map.Entry<String, Boolean> e : passedByPod.entrySet()) {
        boolean ok = e.getValue() && tcpPassed;
        String why = ok ? "every HTTP and TCP check passed on this pod" : Objects.requireNonNullElse(whyByPod.get(e.getKey()), tcpWhy);
        if (w.dryRun() && !ok) {
          // dry run never holds a pod back: True, saying what it would have been
          setCondition(w, e.getKey(), true, "dry run, would be False: " + why);
        } else {
          setCondition(w, e.getKey(), ok, why);
        }
      }
    });
  }

  private void setCondition(Watch w, String podName, boolean passed, String message) {
    Pod pod = probing.pod(w.namespace(), podName);
    if (pod == null || pod.getStatus() == null) {
      return;
    }
    String wanted = passed ? "True" : "False";
    List<PodCondition> conditions = new ArrayList<>(pod.getStatus().getConditions() == null ? List.of() : pod.getStatus().getConditions());
    PodCondition current = conditions.stream().filter(c -> w.conditionType().equals(c.getType())).findFirst().orElse(null);
    if (current != null && wanted.equals(current.getStatus())) {
      return;
    }
    conditions.remove(current);
    String msg = message == null ? "" : message.length() > 300 ? message.substring(0, 297) + "..." : message;
    conditions.add(new PodConditionBuilder().withType(w.conditionType()).withStatus(wanted)
        .withReason(passed ? "HealthChecksPassed" : "HealthChecksFailed").withMessage(msg)
        .withLastTransitionTime(clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString()).build());
    // one JSON patch of pods/status (RBAC: patch only), guarded by the cached resourceVersion so that a condition the
    // kubelet changed meanwhile is never overwritten: on a conflict the next round writes from the refreshed cache
    var mapper = Serialization.jsonMapper();
    var ops = mapper.createArrayNode();
    ops.addObject().put("op", "test").put("path", "/metadata/resourceVersion").put("value", pod.getMetadata().getResourceVersion());
    ops.addObject().put("op", "replace").put("path", "/status/conditions").set("value", mapper.valueToTree(conditions));
    try {
      client.pods().inNamespace(w.namespace()).withName(podName).subresource("status")
          .patch(PatchContext.of(PatchType.JSON), ops.toString());
    } catch (KubernetesClientException e) {
      // a conflict: the next round writes again from the refreshed cache
      LOG.debugf("readiness gate %s on pod %s/%s: %s", w.conditionType(), w.namespace(), podName, e.getMessage());
    }
  }

  @PreDestroy
  void stop() {
    writer.shutdownNow();
  }
}
