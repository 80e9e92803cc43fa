package dev.turnout.healthpolicy;

import dev.turnout.common.EventRecorder;
import dev.turnout.common.StatusPatcher;
import dev.turnout.common.ValidationReport;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Validates a HealthPolicy and reports Ready; the checks themselves run for the releases that use it. */
@ControllerConfiguration(name = "healthpolicy")
public class HealthPolicyReconciler implements Reconciler<HealthPolicy> {
  @Inject KubernetesClient client;
  @Inject Clock clock;
  @Inject EventRecorder events;

  @Override
  public UpdateControl<HealthPolicy> reconcile(HealthPolicy policy, Context<HealthPolicy> context) {
    Instant now = clock.instant();
    HealthPolicyStatus before = policy.getStatus();
    HealthPolicyStatus status = before == null ? new HealthPolicyStatus() : Serialization.clone(before);
    status.observedGeneration = policy.getMetadata().getGeneration();
    status.conditions =
        ValidationReport.ready(events, policy, status.conditions, HealthPolicyValidation.problems(policy.getSpec()),
            policy.getSpec().checks.size() + " check(s) valid", now);
    StatusPatcher.patchIfChanged(client, policy, before, status);
    return UpdateControl.noUpdate();
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
