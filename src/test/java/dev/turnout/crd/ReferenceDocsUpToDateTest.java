package dev.turnout.crd;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** docs/reference/ is what {@link ReferenceDocs} generates from crds/ today; `make crds` rewrites it. */
class ReferenceDocsUpToDateTest {
  @Test
  void referencePagesAreGeneratedFromTheCrds() throws Exception {
    Map<String, String> pages = ReferenceDocs.generate();
    if (Boolean.getBoolean("turnout.crds.write")) {
      Files.createDirectories(ReferenceDocs.DIR);
      try (Stream<Path> old = Files.list(ReferenceDocs.DIR)) {
        for (Path p : old.toList()) {
          Files.delete(p);
        }
      }
      for (Map.Entry<String, String> e : pages.entrySet()) {
        Files.writeString(ReferenceDocs.DIR.resolve(e.getKey()), e.getValue());
      }
    }
    assertThat(pages).hasSize(4);
    for (Map.Entry<String, String> e : pages.entrySet()) {
      Path file = ReferenceDocs.DIR.resolve(e.getKey());
      assertThat(file).as("%s (run make crds)", file).exists();
      assertThat(Files.readString(file)).as("%s is out of date (run make crds)", file).isEqualTo(e.getValue());
    }
    try (Stream<Path> files = Files.list(ReferenceDocs.DIR)) {
      assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactlyInAnyOrderElementsOf(pages.keySet());
    }
  }
}
