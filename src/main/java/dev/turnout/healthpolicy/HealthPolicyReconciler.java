package dev.turnout.healthpolicy;

import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;

public class HealthPolicyReconciler implements Reconciler<HealthPolicy> {
  @Override
  public UpdateControl<HealthPolicy> reconcile(HealthPolicy r, Context<HealthPolicy> c) {
    return UpdateControl.noUpdate();
  }
}
