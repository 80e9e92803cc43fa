package dev.turnout.crd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.turnout.realtier.RealNamespace;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.FieldValidateable;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The committed CRDs in a real kube-apiserver: every resource InvalidResourcesTest's offline validator (JSON schema +
 * CEL-Java) refuses is refused by the API server too, with 422 and a message naming the same field, and every sample
 * is accepted. Creates ask for strict field validation, as `kubectl apply` (and so Argo CD and Flux) does by default:
 * without it the API server drops unknown fields with a warning instead of refusing them.
 */
class CrdAdmissionRealIT {
  @RegisterExtension static final RealNamespace NS = new RealNamespace();

  static Stream<Arguments> invalidResources() {
    return InvalidResourcesTest.invalidResources();
  }

  static Stream<String> samples() {
    return Stream.of(Samples.APP_RELEASE, Samples.HEALTH_POLICY, Samples.DATABASE_BACKUP, Samples.DATABASE_RESTORE);
  }

  GenericKubernetesResource inNamespace(JsonNode resource) {
    ObjectNode copy = resource.deepCopy();
    ((ObjectNode) copy.get("metadata")).put("namespace", NS.name());
    return Serialization.jsonMapper().convertValue(copy, GenericKubernetesResource.class);
  }

  /** The field an expected error names: the path before the first ':', or the whole text of a CEL rule's message. */
  static String field(String expectedError) {
    int colon = expectedError.indexOf(": ");
    return colon < 0 ? expectedError : expectedError.substring(0, colon);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidResources")
  void isRefusedByTheRealApiServerNamingTheField(String name, JsonNode resource, String expectedError) {
    GenericKubernetesResource r = inNamespace(resource);
    assertThatThrownBy(() -> NS.tier().admin().resource(r).fieldValidation(FieldValidateable.Validation.STRICT).create())
        .as(name)
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
          assertThat(e.getCode()).as("%s: %s", name, e.getMessage()).isIn(400, 422);
          assertThat(e.getMessage()).as(name).contains(field(expectedError));
        });
  }

  @ParameterizedTest
  @MethodSource("samples")
  void theSamplesAreAccepted(String yaml) {
    GenericKubernetesResource r = inNamespace(Samples.parse(yaml));
    assertThat(NS.tier().admin().resource(r).fieldValidation(FieldValidateable.Validation.STRICT).create()).isNotNull();
  }
}
