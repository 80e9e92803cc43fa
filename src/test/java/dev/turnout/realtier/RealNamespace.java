package dev.turnout.realtier;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * A namespace of its own for each *RealIT class on the shared real tier: created before the class, deleted after it
 * (the real namespace controller and garbage collector clean up), and dumped to target/real-tier/dumps/ when a test
 * fails (every object, the Events, the operator's log), so a failure on CI can be read afterwards.
 *
 * <p>After each test it fails the test if the operator got a 403 (RBAC or admission; see {@link AuditLog#operatorForbidden}),
 * or wrote a custom resource's spec in this namespace ({@link SpecWrites}).
 *
 * <p>Use: {@code @RegisterExtension static final RealNamespace NS = new RealNamespace();}, then {@code NS.name()}.
 */
public final class RealNamespace implements BeforeAllCallback, AfterEachCallback, AfterAllCallback, TestWatcher {
  private String name;

  public String name() {
    return name;
  }

  public RealTier tier() {
    return RealTier.get();
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    String base = context.getRequiredTestClass().getSimpleName().replace("RealIT", "").toLowerCase(Locale.ROOT);
    name = (base.length() > 40 ? base.substring(0, 40) : base) + "-" + Integer.toString(
        ThreadLocalRandom.current().nextInt(36 * 36 * 36), 36);
    tier().admin().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name)
        .addToLabels("turnout.dev/test", "real-tier").endMetadata().build()).create();
  }

  @Override
  public void afterEach(ExtensionContext context) {
    org.assertj.core.api.Assertions.assertThat(tier().forbidden())
        .as("requests of the operator refused with 403 (verb, resource, namespace/name)").isEmpty();
    assertNoSpecWrites();
  }

  /**
   * Fails on any write of the operator that touched a custom resource's spec in this namespace or one named after it
   * ({@code <name>-staging}, as the backup and restore scenarios make) (GitOps: the operator never writes spec). Per
   * namespace, unlike the global 403 check: each custom resource lives in the namespace of the class whose scenario
   * made it, so the failure lands on the class that caused it.
   */
  public void assertNoSpecWrites() {
    org.assertj.core.api.Assertions.assertThat(tier().audit().operatorSpecWrites(ns -> ns.equals(name)
            || ns.startsWith(name + "-")))
        .as("writes of the operator that touch a custom resource's spec in %s and %s-* (see SpecWrites)", name, name)
        .isEmpty();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    // no jobs().clear() here: the tier runs two classes at a time, and clearing every Job rule when one class ends
    // wiped the rules the other had registered in its @BeforeAll (its Jobs then "succeeded" without running the
    // agent). Each test registers the rules for its own Jobs, and the newest matching rule wins.
    try {
      // writes after the last test's check (a reconcile the last change triggered) are this class's too
      assertNoSpecWrites();
    } finally {
      tier().admin().namespaces().withName(name).delete();
    }
  }

  @Override
  public void testFailed(ExtensionContext context, Throwable cause) {
    dump(context.getRequiredTestClass().getSimpleName() + "." + context.getRequiredTestMethod().getName());
  }

  /** Writes the namespace's objects, its Events in order and the operator's log tail to one file. */
  public Path dump(String title) {
    KubernetesClient admin = tier().admin();
    StringBuilder out = new StringBuilder("# " + title + " in namespace " + name + "\n");
    List<HasMetadata> objects = new ArrayList<>();
    try {
      for (var resource : List.of("appreleases.turnout.dev", "healthpolicies.turnout.dev",
          "databasebackups.turnout.dev", "databaserestores.turnout.dev")) {
        var crd = admin.apiextensions().v1().customResourceDefinitions().withName(resource).get();
        if (crd != null) {
          var ctx = io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext.fromCrd(crd);
          objects.addAll(admin.genericKubernetesResources(ctx).inNamespace(name).list().getItems());
        }
      }
      objects.addAll(admin.apps().deployments().inNamespace(name).list().getItems());
      objects.addAll(admin.apps().replicaSets().inNamespace(name).list().getItems());
      objects.addAll(admin.pods().inNamespace(name).list().getItems());
      objects.addAll(admin.services().inNamespace(name).list().getItems());
      objects.addAll(admin.discovery().v1().endpointSlices().inNamespace(name).list().getItems());
      objects.addAll(admin.batch().v1().jobs().inNamespace(name).list().getItems());
      objects.addAll(admin.batch().v1().cronjobs().inNamespace(name).list().getItems());
      objects.forEach(o -> out.append("---\n").append(Serialization.asYaml(o)));
      out.append("\n# Events\n");
      admin.v1().events().inNamespace(name).list().getItems().stream()
          .sorted(java.util.Comparator.comparing(e -> String.valueOf(e.getLastTimestamp())))
          .forEach(e -> out.append(e.getLastTimestamp()).append(' ').append(e.getType()).append(' ')
              .append(e.getReason()).append(' ').append(e.getInvolvedObject().getKind()).append('/')
              .append(e.getInvolvedObject().getName()).append(": ").append(e.getMessage()).append('\n'));
    } catch (RuntimeException e) {
      out.append("\n# dump incomplete: ").append(e).append('\n');
    }
    out.append("\n# operator log (tail)\n").append(tier().operatorLogTail()).append('\n');
    out.append("\n# requests the API server refused the operator (403)\n");
    tier().forbidden().forEach(f -> out.append(f).append('\n'));
    try {
      Path dir = RealTier.WORK.resolve("dumps");
      Files.createDirectories(dir);
      Path file = dir.resolve(title.replaceAll("[^A-Za-z0-9._-]", "_") + ".txt");
      Files.writeString(file, out);
      return file;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
