package dev.turnout.backup;

import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;

public class DatabaseBackupReconciler implements Reconciler<DatabaseBackup> {
  @Override
  public UpdateControl<DatabaseBackup> reconcile(DatabaseBackup r, Context<DatabaseBackup> c) {
    return UpdateControl.noUpdate();
  }
}
