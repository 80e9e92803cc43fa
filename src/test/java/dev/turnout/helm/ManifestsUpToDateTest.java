package dev.turnout.helm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * k8s/base and k8s/overlays are what {@link KustomizeManifests} generates from the chart today; `make crds` (which sets
 * turnout.manifests.write) writes them. KustomizeRealIT checks what kustomize builds from them.
 */
class ManifestsUpToDateTest {
  @Test
  void kustomizeManifestsAreGeneratedFromTheChart() throws Exception {
    Map<Path, String> expected = KustomizeManifests.generate();
    if (Boolean.getBoolean("turnout.manifests.write")) {
      for (Path dir : new Path[] {KustomizeManifests.K8S.resolve("base"), KustomizeManifests.K8S.resolve("overlays")}) {
        if (Files.exists(dir)) {
          try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
              Files.delete(p);
            }
          }
        }
      }
      for (Map.Entry<Path, String> f : expected.entrySet()) {
        Files.createDirectories(f.getKey().getParent());
        Files.writeString(f.getKey(), f.getValue());
      }
    }
    for (Map.Entry<Path, String> f : expected.entrySet()) {
      assertThat(f.getKey()).as("%s (run make crds)", f.getKey()).exists();
      assertThat(Files.readString(f.getKey())).as("%s is out of date (run make crds)", f.getKey()).isEqualTo(f.getValue());
    }
    try (Stream<Path> walk = Stream.concat(Files.walk(KustomizeManifests.K8S.resolve("base")),
        Files.walk(KustomizeManifests.K8S.resolve("overlays")))) {
      assertThat(walk.filter(Files::isRegularFile).toList()).as("no file the generator does not write (run make crds)")
          .allSatisfy(p -> assertThat(expected).containsKey(p));
    }
  }
}
