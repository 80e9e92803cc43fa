package dev.turnout.apprelease;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;

class ConfigReferencesTest {
  @Test
  void collectsEnvEnvFromAndVolumesButNotOptionalOnes() {
    PodTemplateSpec t = Serialization.unmarshal("""
        spec:
          initContainers:
          - name: migrate
            envFrom: [{configMapRef: {name: migrate-config}}]
          containers:
          - name: api
            env:
            - {name: MONGODB_URI, valueFrom: {secretKeyRef: {name: mongodb, key: MONGODB_URI}}}
            - {name: FEATURE, valueFrom: {configMapKeyRef: {name: features, key: flag, optional: true}}}
            - {name: PLAIN, value: x}
            envFrom: [{secretRef: {name: api-env}}]
          volumes:
          - {name: certs, secret: {secretName: tls}}
          - {name: proj, projected: {sources: [{configMap: {name: proj-cm}}]}}
        """, PodTemplateSpec.class);
    var refs = ConfigReferences.of(t);
    assertThat(refs).extracting(ConfigReferences.Reference::describe).containsExactlyInAnyOrder(
        "ConfigMap migrate-config (used by container migrate envFrom)",
        "Secret mongodb key MONGODB_URI (used by container api env MONGODB_URI)",
        "Secret api-env (used by container api envFrom)",
        "Secret tls (used by volume certs)",
        "ConfigMap proj-cm (used by volume proj)");
    assertThat(ConfigReferences.objectNames(refs, ConfigReferences.Kind.Secret)).containsExactly("api-env", "mongodb", "tls");
  }

  @Test
  void emptyTemplateHasNoReferences() {
    assertThat(ConfigReferences.of(null)).isEmpty();
    assertThat(ConfigReferences.of(new PodTemplateSpec())).isEmpty();
  }
}
