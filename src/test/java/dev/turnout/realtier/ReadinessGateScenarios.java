package dev.turnout.realtier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpHandler;
import dev.turnout.apprelease.AppRelease;
import dev.turnout.apprelease.AppReleaseStatus;
import dev.turnout.common.Labels;
import dev.turnout.common.LocalObjectRef;
import dev.turnout.healthpolicy.HealthPolicy;
import dev.turnout.healthpolicy.HealthPolicySpec;
import dev.turnout.sim.FastApiBackend;
import dev.turnout.testing.HealthPolicies;
import dev.turnout.testing.PodFaults;
import dev.turnout.testing.Releases;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
import org.awaitility.core.ThrowingRunnable;

/**
 * HealthPolicy readiness gates on the real tier (issue 10, items 9 and 10): real ReplicaSets recreate deleted pods
 * under real names ({@code <deployment>-<replicaset hash>-<random>}), and the operator, with the chart's RBAC, sets each
 * pod's condition from that pod's own rounds. The scenarios are split in two classes so that only the one that restarts
 * the operator runs alone: {@link ReadinessGateRealIT} (revert, pause, restart) and {@link ReadinessGatePerPodRealIT}
 * (per-pod rounds, beside other classes).
 */
abstract class ReadinessGateScenarios {
  static final Duration WAIT = Duration.ofSeconds(90);
  static final String ORIGIN = "https://app.example";
  static final String GATE = "turnout.dev/deep-health";

  /** The class's namespace. */
  abstract RealNamespace ns();

  KubernetesClient client() {
    return ns().tier().admin();
  }

  void eventually(ThrowingRunnable assertion) {
    await().atMost(WAIT).pollInterval(Duration.ofMillis(250)).ignoreExceptions().untilAsserted(assertion);
  }

  /** A release {@code name} with its own policy {@code name}-health carrying the gate; each color served by a handler. */
  void release(String name, HttpHandler blue, HttpHandler green, Consumer<HealthPolicySpec> change) {
    String ns = ns().name();
    ns().tier().simulator().serve(ns, Releases.color(name, "blue"), blue);
    ns().tier().simulator().serve(ns, Releases.color(name, "green"), green);
    HealthPolicy policy = HealthPolicies.backendHealth(ns, ORIGIN, spec -> {
      spec.readinessGate = new HealthPolicySpec.ReadinessGateSpec();
      spec.readinessGate.conditionType = GATE;
      change.accept(spec);
    });
    policy.getMetadata().setName(name + "-health");
    client().resource(policy).create();
    AppRelease ar = Releases.backend(ns, "1.0.0", 2);
    ar.getMetadata().setName(name);
    ar.getSpec().healthPolicyRef = new LocalObjectRef(name + "-health");
    client().resource(ar).create();
  }

  AppReleaseStatus status(String name) {
    return client().resources(AppRelease.class).inNamespace(ns().name()).withName(name).get().getStatus();
  }

  String activeColor(String name) {
    Service s = client().services().inNamespace(ns().name()).withName(name).get();
    return s == null ? null : s.getSpec().getSelector().get(Labels.COLOR);
  }

  List<Pod> pods(String name, String color) {
    return client().pods().inNamespace(ns().name()).withLabels(Releases.color(name, color)).list().getItems().stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
  }

  static PodCondition condition(Pod p, String type) {
    return p == null || p.getStatus() == null ? null
        : p.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
  }

  static String gate(Pod p) {
    PodCondition c = condition(p, GATE);
    return c == null ? "absent" : c.getStatus();
  }

  static boolean ready(Pod p) {
    PodCondition c = condition(p, "Ready");
    return c != null && "True".equals(c.getStatus());
  }

  void allPassTheGate(String name, String color) {
    eventually(() -> assertThat(pods(name, color)).hasSize(2).allSatisfy(p -> {
      assertThat(gate(p)).isEqualTo("True");
      assertThat(ready(p)).isTrue();
    }));
  }

  /** Deletes a pod of {@code color}; the ReplicaSet's replacement passes the gate and serves behind the active Service. */
  void aDeletedPodIsReplacedAndPassesTheGate(String name, String color) {
    Pod victim = pods(name, color).get(0);
    client().resource(victim).delete();
    eventually(() -> assertThat(pods(name, color)).hasSize(2)
        .noneSatisfy(p -> assertThat(p.getMetadata().getUid()).isEqualTo(victim.getMetadata().getUid()))
        .allSatisfy(p -> {
          assertThat(gate(p)).isEqualTo("True");
          assertThat(ready(p)).isTrue();
        }));
    eventually(() -> assertThat(ns().tier().simulator().readyEndpoints(ns().name(), name)).hasSize(2));
  }

  /** The operator's writes of pods/status in the namespace since {@code since}, as pod names. */
  List<String> podStatusWrites(Instant since) {
    return ns().tier().audit().operatorWritesSince(since).stream()
        .filter(e -> ns().name().equals(e.namespace()) && "pods".equals(e.resource()) && "status".equals(e.subresource()))
        .map(AuditLog.Entry::name).toList();
  }

}
