package dev.turnout.restore;

import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;

public class DatabaseRestoreReconciler implements Reconciler<DatabaseRestore> {
  @Override
  public UpdateControl<DatabaseRestore> reconcile(DatabaseRestore r, Context<DatabaseRestore> c) {
    return UpdateControl.noUpdate();
  }
}
