package dev.turnout.gitops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/gitops.md and deploy/argocd/argocd-cm-health.yaml show the health checks exactly as they are in the repository. */
class GitOpsDocsTest {
  static final Path DOC = Path.of("docs/gitops.md");

  @Test
  void theDocShowsEachScriptAndTheFluxKustomizationAsTheyAre() throws Exception {
    String doc = Files.readString(DOC);
    for (String kind : ArgoCdHealthTest.KINDS) {
      String script = Files.readString(ArgoCdHealthTest.DIR.resolve(kind).resolve("health.lua"));
      assertThat(doc).as("docs/gitops.md shows %s/health.lua as it is", kind).contains("```lua\n" + script + "```\n");
      assertThat(doc).contains("resource.customizations.health.turnout.dev_" + kind + ":");
    }
    assertThat(doc).as("docs/gitops.md shows deploy/flux/kustomization.yaml as it is")
        .contains("```yaml\n" + Files.readString(FluxHealthTest.FILE) + "```\n");
  }

  @Test
  void theArgoCdConfigMapHoldsTheSameScripts() throws Exception {
    JsonNode cm = new ObjectMapper(new YAMLFactory()).readTree(Path.of("deploy/argocd/argocd-cm-health.yaml").toFile());
    assertThat(cm.path("kind").asText()).isEqualTo("ConfigMap");
    assertThat(cm.path("metadata").path("name").asText()).isEqualTo("argocd-cm");
    assertThat(cm.path("data").size()).isEqualTo(ArgoCdHealthTest.KINDS.size());
    for (String kind : ArgoCdHealthTest.KINDS) {
      // Argo CD's key: resource.customizations.health.<group>_<kind>
      assertThat(cm.path("data").path("resource.customizations.health.turnout.dev_" + kind).asText())
          .as("argocd-cm-health.yaml's %s", kind)
          .isEqualTo(Files.readString(ArgoCdHealthTest.DIR.resolve(kind).resolve("health.lua")));
    }
  }
}
