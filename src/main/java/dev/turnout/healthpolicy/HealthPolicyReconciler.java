package dev.turnout.healthpolicy;

import dev.turnout.common.Conditions;
import dev.turnout.common.EventRecorder;
import dev.turnout.common.StatusPatcher;
import dev.turnout.common.ValidationReport;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Validates a HealthPolicy and reports Ready, and lists in status the last results of the releases that use it. The
 * checks run on the probe scheduler; this reconciler runs when a gate changes and every {@link #RESULTS_EVERY} while the
 * policy is in use, and writes status only when a result changed ({@link PolicyResults}): a policy whose checks keep
 * passing makes no writes.
 */
@ControllerConfiguration(name = "healthpolicy")
public class HealthPolicyReconciler implements Reconciler<HealthPolicy> {
  @Inject KubernetesClient client;
  @Inject Clock clock;
  @Inject EventRecorder events;
  @Inject GateProbes gates;
  @Inject HealthProbing probing;

  static final Duration RESULTS_EVERY = Duration.ofSeconds(10);

  @Override
  public List<EventSource<?, HealthPolicy>> prepareEventSources(EventSourceContext<HealthPolicy> context) {
    return List.of(probing.policyTrigger);
  }

  @Override
  public UpdateControl<HealthPolicy> reconcile(HealthPolicy policy, Context<HealthPolicy> context) {
    Instant now = clock.instant();
    HealthPolicyStatus before = policy.getStatus();
    HealthPolicyStatus status = before == null ? new HealthPolicyStatus() : Serialization.clone(before);
    status.observedGeneration = policy.getMetadata().getGeneration();
    status.conditions =
        ValidationReport.ready(events, policy, status.conditions, HealthPolicyValidation.problems(policy.getSpec()),
            policy.getSpec().checks.size() + " check(s) valid", now);
    status.conditions = readinessGate(policy, status.conditions, now);
    String ns = policy.getMetadata().getNamespace();
    String name = policy.getMetadata().getName();
    // a check that only ran again is no change: without this every refresh would write (new time, latency)
    status.releases = PolicyResults.keepUnchanged(before == null ? null : before.releases, gates.results(ns, name));
    StatusPatcher.patchIfChanged(client, policy, before, status);
    return gates.inUse(ns, name) ? UpdateControl.<HealthPolicy>noUpdate().rescheduleAfter(RESULTS_EVERY) : UpdateControl.noUpdate();
  }

  static final String READINESS_GATE = "ReadinessGate";

  /**
   * Condition {@code ReadinessGate} when {@code spec.readinessGate} is set: True when the policy has a per-pod check,
   * else False with reason {@code NoPerPodChecks} and a Warning Event when that is new. The CRD refuses such a policy;
   * this is for CRDs installed without CEL: the readiness gate is then ignored (no pod gets it), since nothing would
   * ever set it and the pods would never become ready. The rest of the policy still gates promotion.
   */
  List<Condition> readinessGate(HealthPolicy policy, List<Condition> conditions, Instant now) {
    HealthPolicySpec spec = policy.getSpec();
    if (spec.readinessGate == null) {
      List<Condition> out = new ArrayList<>(conditions == null ? List.of() : conditions);
      out.removeIf(c -> READINESS_GATE.equals(c.getType()));
      return out;
    }
    Long generation = policy.getMetadata().getGeneration();
    if (ReadinessGates.hasPodChecks(spec)) {
      String checks = spec.checks.stream().filter(CheckSpec::isPerPod).map(c -> c.name).collect(Collectors.joining(", "));
      return Conditions.set(conditions, READINESS_GATE, true, "PerPodChecks", "pods of the releases that use this policy"
          + " are ready only while they pass their per-pod checks (" + checks + ")", generation, now);
    }
    String message = ReadinessGates.NEEDS_POD_CHECK + "; ignored: no readiness gate is added to the pods";
    if (!Conditions.find(conditions, READINESS_GATE).map(c -> message.equals(c.getMessage())).orElse(false)) {
      events.warning(policy, "ReadinessGateIgnored", message);
    }
    return Conditions.set(conditions, READINESS_GATE, false, "NoPerPodChecks", message, generation, now);
  }

  /** What the schema cannot check. */
  static final class HealthPolicyValidation {
    static List<String> problems(HealthPolicySpec spec) {
      List<String> problems = new ArrayList<>();
      if (spec.checks == null || spec.checks.isEmpty()) {
        problems.add("spec.checks: at least one check is required");
        return problems;
      }
      for (int i = 0; i < spec.checks.size(); i++) {
        CheckSpec c = spec.checks.get(i);
        int set = (c.http != null ? 1 : 0) + (c.tcp != null ? 1 : 0) + (c.prometheus != null ? 1 : 0);
        if (set != 1) {
          problems.add(String.format("spec.checks[%d] (%s): set exactly one of http, tcp or prometheus", i, c.name));
        }
      }
      return problems;
    }
  }
}
