package dev.turnout.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.turnout.helm.KustomizeManifests;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chart's Grafana dashboard (helm/turnout/dashboards/turnout.json in a ConfigMap): valid JSON, every query names only
 * metrics docs/metrics.md documents, and every query parses as PromQL (promtool checks them as recording rules, with
 * Grafana's variables replaced by what Grafana would put there).
 */
class DashboardTest {
  static final ObjectMapper JSON = new ObjectMapper();
  /** Grafana's variables as they reach Prometheus: a regex matcher value, or a duration. */
  static final Map<String, String> VARIABLES = Map.of("$__rate_interval", "2m", "$__range_s", "604800", "$__range", "7d",
      "$__interval", "1m", "$namespace", ".*", "$app", ".*", "$backup", ".*");

  @TempDir Path dir;

  static JsonNode dashboard(String... sets) throws Exception {
    ObjectNode cm = KustomizeManifests.render(sets).stream()
        .filter(o -> o.path("kind").asText().equals("ConfigMap") && o.path("metadata").path("name").asText().endsWith("-dashboard"))
        .findFirst().orElseThrow();
    assertThat(cm.path("metadata").path("labels").path("grafana_dashboard").asText()).isEqualTo("1");
    return JSON.readTree(cm.path("data").path("turnout.json").asText());
  }

  static List<String> queries(JsonNode dashboard) {
    List<String> exprs = new ArrayList<>();
    dashboard.findValues("expr").forEach(e -> exprs.add(e.asText()));
    return exprs;
  }

  static String substitute(String expr) {
    String out = expr;
    // longest names first: $__range_s before $__range
    for (String v : VARIABLES.keySet().stream().sorted((a, b) -> b.length() - a.length()).toList()) {
      out = out.replace(v, VARIABLES.get(v));
    }
    return out;
  }

  @Test
  void offByDefault() {
    assertThat(KustomizeManifests.render()).noneMatch(o -> o.path("metadata").path("name").asText().endsWith("-dashboard"));
  }

  @Test
  void validJsonNamingOnlyDocumentedMetrics() throws Exception {
    JsonNode d = dashboard("metrics.dashboard.enabled", "true");
    assertThat(d.path("uid").asText()).isNotBlank();
    assertThat(d.path("panels").size()).isGreaterThan(10);
    List<String> exprs = queries(d);
    assertThat(exprs).isNotEmpty().allSatisfy(e -> assertThat(e).isNotBlank());
    Set<String> documented = DocumentedMetrics.documented();
    Set<String> used = new TreeSet<>();
    exprs.forEach(e -> used.addAll(DocumentedMetrics.used(e)));
    // the variables' queries (Grafana's label_values, not PromQL) name metrics too
    d.path("templating").path("list").forEach(v -> used.addAll(DocumentedMetrics.used(v.path("query").toString())));
    assertThat(used).allSatisfy(m -> assertThat(DocumentedMetrics.isDocumented(documented, m))
        .as("%s is in docs/metrics.md", m).isTrue());
    // what the issue asks the dashboard to show: releases, switches, reverts, gate results, backups, DORA figures
    assertThat(used).contains("turnout_release_phase", "turnout_releases_promoted_total", "turnout_releases_failed_total",
        "turnout_releases_rolled_back_total", "turnout_releases_started_total", "turnout_release_promotion_duration_seconds_sum",
        "turnout_release_switch_convergence_seconds_max", "turnout_health_revert_latency_seconds_max",
        "turnout_health_checks_total", "turnout_health_gate", "turnout_backup_last_success_timestamp_seconds",
        "turnout_backup_last_size_bytes", "turnout_backup_drills_total");
    // every panel reads the dashboard's Prometheus variable, so it works whatever the data source's name
    d.path("panels").forEach(p -> {
      if (!p.path("type").asText().equals("row")) {
        assertThat(p.path("datasource").path("uid").asText()).as(p.path("title").asText()).isEqualTo("${datasource}");
      }
    });
  }

  @Test
  void everyQueryParses() throws Exception {
    StringBuilder rules = new StringBuilder("groups:\n- name: dashboard\n  rules:\n");
    List<String> exprs = queries(dashboard("metrics.dashboard.enabled", "true"));
    for (int i = 0; i < exprs.size(); i++) {
      rules.append("  - record: dashboard:query").append(i).append("\n    expr: ")
          .append(JSON.writeValueAsString(substitute(exprs.get(i)))).append('\n');
    }
    Files.writeString(dir.resolve("dashboard.yaml"), rules);
    String out = Promtool.run(dir, "check", "rules", "dashboard.yaml");
    assertThat(out).contains("SUCCESS: " + exprs.size() + " rules found");
  }
}
