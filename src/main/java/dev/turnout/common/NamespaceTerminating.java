package dev.turnout.common;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.util.function.Supplier;

/**
 * The API server's refusal to create anything in a namespace being deleted: 403 with the cause type
 * NamespaceTerminating ("unable to create new content in namespace x because it is being terminated"). While a
 * namespace is torn down its objects go in no particular order, so a reconciler may still see its resource after its
 * owned objects are gone and try to create them again; that is no error to retry or report: the resource is next.
 */
public final class NamespaceTerminating {
  static final String CAUSE = "NamespaceTerminating";

  private NamespaceTerminating() {}

  public static boolean is(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof KubernetesClientException k && k.getCode() == 403 && k.getStatus() != null
          && k.getStatus().getDetails() != null && k.getStatus().getDetails().getCauses() != null
          && k.getStatus().getDetails().getCauses().stream().anyMatch(c -> CAUSE.equals(c.getReason()))) {
        return true;
      }
    }
    return false;
  }

  /** Runs a reconcile; its NamespaceTerminating refusal ends it with no update and no retry, anything else is rethrown. */
  public static <R extends io.fabric8.kubernetes.api.model.HasMetadata> UpdateControl<R> ignoring(
      Supplier<UpdateControl<R>> reconcile) {
    try {
      return reconcile.get();
    } catch (RuntimeException e) {
      if (is(e)) {
        return UpdateControl.noUpdate(); // its namespace is being deleted: so is the resource, nothing to retry or report
      }
      throw e;
    }
  }
}
