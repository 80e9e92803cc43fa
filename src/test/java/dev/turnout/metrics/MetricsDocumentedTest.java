package dev.turnout.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.turnout.apprelease.AppRelease;
import dev.turnout.apprelease.AppReleaseStatus;
import dev.turnout.common.Labels;
import dev.turnout.demo.MetricsSummary;
import dev.turnout.testing.EmbeddedClusterResource;
import dev.turnout.testing.Releases;
import dev.turnout.testing.TestClock;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.awaitility.core.ThrowingRunnable;
import org.junit.jupiter.api.Test;

/**
 * docs/metrics.md is the contract of /q/metrics: after a release, a rollback and the next promotion (so that the
 * release metrics exist too), every {@code turnout_*} series the operator serves is documented with exactly its labels,
 * every metric documented as (always) is served, and the DORA figures hold what happened.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedClusterResource.class)
class MetricsDocumentedTest {
  static final Duration WAIT = Duration.ofSeconds(30);
  static final Pattern ROW = Pattern.compile("^\\| `(turnout_[a-z_]+)` \\| ([^|]+) \\| ([^|]+) \\| (.*) \\|$");

  @Inject KubernetesClient client;
  @Inject TestClock clock;

  @TestHTTPResource("/q/metrics")
  URL metrics;

  /** A documented metric: its type (counter, gauge, timer, timer (histogram)), labels, and whether it is always there. */
  record Doc(String type, Set<String> labels, boolean always) {}

  static Map<String, Doc> documented() throws Exception {
    Map<String, Doc> docs = new TreeMap<>();
    for (String line : Files.readAllLines(Path.of("docs/metrics.md"))) {
      Matcher m = ROW.matcher(line.trim());
      if (m.matches()) {
        Set<String> labels = Arrays.stream(m.group(3).replace("`", "").split(","))
            .map(String::trim).filter(l -> !l.isEmpty() && !l.equals("—")).collect(Collectors.toCollection(TreeSet::new));
        docs.put(m.group(1), new Doc(m.group(2).trim(), labels, m.group(4).contains("(always)")));
      }
    }
    return docs;
  }

  String scrape() throws Exception {
    return HttpClient.newHttpClient()
        .send(HttpRequest.newBuilder(URI.create(metrics.toString())).build(), HttpResponse.BodyHandlers.ofString()).body();
  }

  /** Exported turnout_* series: sample name to the label sets it carries (without le). */
  static Map<String, List<Map<String, String>>> series(String exposition) {
    Map<String, List<Map<String, String>>> out = new TreeMap<>();
    for (String line : exposition.split("\n")) {
      if (line.startsWith("turnout_")) {
        MetricsSummary.Sample s = MetricsSummary.parse(line);
        Map<String, String> labels = new LinkedHashMap<>(s.labels());
        labels.remove("le");
        out.computeIfAbsent(s.name(), k -> new ArrayList<>()).add(labels);
      }
    }
    return out;
  }

  /** The documented name a sample belongs to: itself, or a timer's name without _bucket, _count, _sum or _max. */
  static String documentedName(String sample, Map<String, Doc> docs) {
    if (docs.containsKey(sample)) {
      return sample;
    }
    for (String suffix : List.of("_bucket", "_count", "_sum", "_max")) {
      if (sample.endsWith(suffix)) {
        String base = sample.substring(0, sample.length() - suffix.length());
        Doc d = docs.get(base);
        if (d != null && d.type().startsWith("timer") && (!suffix.equals("_bucket") || d.type().contains("histogram"))) {
          return base;
        }
      }
    }
    return null;
  }

  void eventually(ThrowingRunnable assertion) {
    await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).ignoreExceptionsInstanceOf(NullPointerException.class)
        .untilAsserted(assertion);
  }

  AppReleaseStatus status(String ns) {
    return client.resources(AppRelease.class).inNamespace(ns).withName("backend").get().getStatus();
  }

  void edit(String ns, Consumer<AppRelease> change) {
    Releases.update(client, ns, "backend", change);
  }

  @Test
  void everyExportedMetricIsDocumentedWithItsLabelsAndTheDoraFiguresAddUp() throws Exception {
    Map<String, Doc> docs = documented();
    assertThat(docs).as("tables parsed from docs/metrics.md").hasSizeGreaterThan(20);

    // 1.0.0 live, 1.1.0 promoted then rolled back, 10 minutes later 1.2.0 promoted: time to restore 10 min and more
    String ns = Releases.newNamespace(client, "dora");
    client.resource(Releases.backend(ns, "1.0.0", 1)).create();
    eventually(() -> assertThat(status(ns).phase).isEqualTo("Healthy"));
    edit(ns, ar -> ar.getSpec().version = "1.1.0");
    eventually(() -> {
      assertThat(status(ns).activeRevision).isEqualTo(2L);
      assertThat(status(ns).switchConvergedAt).isNotNull();
    });
    Releases.update(client, ns, "backend", ar -> ar.getMetadata().getAnnotations().put(Labels.ROLLBACK, "bad-1.1.0"));
    eventually(() -> {
      assertThat(status(ns).phase).isEqualTo("RolledBack");
      assertThat(status(ns).history.get(0).outcomeAt).as("when it was rolled back, in status").isNotNull();
    });
    clock.advance(Duration.ofMinutes(10));
    edit(ns, ar -> ar.getSpec().version = "1.2.0");
    eventually(() -> {
      assertThat(status(ns).activeRevision).isEqualTo(3L);
      assertThat(status(ns).phase).isEqualTo("Healthy");
    });

    String text = scrape();
    Map<String, List<Map<String, String>>> exported = series(text);
    List<String> problems = new ArrayList<>();
    exported.forEach((sample, labelSets) -> {
      String name = documentedName(sample, docs);
      if (name == null) {
        problems.add(sample + " is served but not in docs/metrics.md");
        return;
      }
      for (Map<String, String> labels : labelSets) {
        if (!new TreeSet<>(labels.keySet()).equals(docs.get(name).labels())) {
          problems.add(sample + " has labels " + labels.keySet() + ", documented: " + docs.get(name).labels());
        }
      }
    });
    docs.forEach((name, d) -> {
      boolean served = exported.keySet().stream().anyMatch(s -> name.equals(documentedName(s, docs)));
      if (d.always() && !served) {
        problems.add(name + " is documented as (always) but not served");
      }
      if (served && d.type().contains("histogram") && !exported.containsKey(name + "_bucket")) {
        problems.add(name + " is documented as a histogram but has no _bucket series");
      }
    });
    assertThat(problems).isEmpty();

    String app = "{app=\"backend\",namespace=\"" + ns + "\"}";
    assertThat(text)
        .contains("turnout_release_changes_total" + app + " 3.0")
        .contains("turnout_release_change_failures_total" + app + " 1.0")
        .contains("turnout_releases_promoted_total" + app + " 3.0")
        .contains("turnout_release_time_to_restore_seconds_count" + app + " 1.0")
        .contains("turnout_release_time_to_restore_seconds_bucket{app=\"backend\",namespace=\"" + ns + "\",le=\"300.0\"} 0.0")
        .contains("turnout_release_time_to_restore_seconds_bucket{app=\"backend\",namespace=\"" + ns + "\",le=\"1800.0\"} 1.0");
    // operator health: every controller's kind, watches and writes counted by verb, this replica acts
    for (String kind : List.of("AppRelease", "HealthPolicy", "DatabaseBackup", "DatabaseRestore")) {
      assertThat(text).contains("turnout_reconcile_queue_depth{kind=\"" + kind + "\"}")
          .contains("turnout_reconcile_errors_total{kind=\"" + kind + "\"}");
    }
    // watches answer 200 (HTTP watch) or 101 (WebSocket upgrade), depending on the client's choice
    assertThat(text).containsPattern("turnout_api_requests_total\\{code=\"(200|101)\",verb=\"watch\"\\} [1-9]")
        .containsPattern("turnout_api_requests_total\\{code=\"201\",verb=\"post\"\\} [1-9]")
        .contains("turnout_leader 1.0")
        .doesNotContain("operator_sdk_");
  }
}
