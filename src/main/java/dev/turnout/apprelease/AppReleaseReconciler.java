package dev.turnout.apprelease;

import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;

public class AppReleaseReconciler implements Reconciler<AppRelease> {
  @Override
  public UpdateControl<AppRelease> reconcile(AppRelease r, Context<AppRelease> c) {
    return UpdateControl.noUpdate();
  }
}
