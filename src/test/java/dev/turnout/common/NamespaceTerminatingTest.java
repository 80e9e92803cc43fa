package dev.turnout.common;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.junit.jupiter.api.Test;

/** Tells the API server's "namespace is being terminated" refusal from other errors, as kube-apiserver 1.34 words it. */
class NamespaceTerminatingTest {
  static Status status(int code, String causeType) {
    return new StatusBuilder().withCode(code).withReason("Forbidden")
        .withMessage("services \"backend\" is forbidden: unable to create new content in namespace shop because it is being terminated")
        .withNewDetails().withName("backend").withKind("services")
        .addNewCause().withReason(causeType).withField("metadata.namespace")
        .withMessage("namespace shop is being terminated").endCause().endDetails().build();
  }

  @Test
  void recognisesTheRefusalAlsoWhenWrapped() {
    var refusal = new KubernetesClientException(status(403, "NamespaceTerminating"));
    assertThat(NamespaceTerminating.is(refusal)).isTrue();
    assertThat(NamespaceTerminating.is(new IllegalStateException("reconcile", refusal))).isTrue();
  }

  @Test
  void rbacDenialsConflictsAndOtherErrorsAreNotIt() {
    assertThat(NamespaceTerminating.is(new KubernetesClientException(status(403, "FieldValueForbidden")))).isFalse();
    assertThat(NamespaceTerminating.is(new KubernetesClientException(new StatusBuilder().withCode(403).build()))).isFalse();
    assertThat(NamespaceTerminating.is(new KubernetesClientException(status(409, "NamespaceTerminating")))).isFalse();
    assertThat(NamespaceTerminating.is(new RuntimeException("boom"))).isFalse();
  }
}
