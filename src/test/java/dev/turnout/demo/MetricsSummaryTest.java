package dev.turnout.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class MetricsSummaryTest {
  static final String EXPOSITION = """
      # HELP turnout_releases_promoted_total
      # TYPE turnout_releases_promoted_total counter
      turnout_releases_promoted_total{app="backend",namespace="auto-author"} 3.0
      # TYPE turnout_release_promotion_duration_seconds histogram
      turnout_release_promotion_duration_seconds_bucket{app="backend",namespace="auto-author",le="10.0"} 1
      turnout_release_promotion_duration_seconds_bucket{app="backend",namespace="auto-author",le="30.0"} 3
      turnout_release_promotion_duration_seconds_bucket{app="backend",namespace="auto-author",le="60.0"} 4
      turnout_release_promotion_duration_seconds_bucket{app="backend",namespace="auto-author",le="+Inf"} 4
      turnout_release_promotion_duration_seconds_count{app="backend",namespace="auto-author"} 4
      turnout_release_promotion_duration_seconds_sum{app="backend",namespace="auto-author"} 80.0
      # TYPE turnout_release_promotion_duration_seconds_max gauge
      turnout_release_promotion_duration_seconds_max{app="backend",namespace="auto-author"} 41.0
      # TYPE turnout_backup_last_success_timestamp_seconds gauge
      turnout_backup_last_success_timestamp_seconds{backup="nightly",namespace="auto-author"} 1.7646336E9
      # TYPE turnout_backup_duration_seconds summary
      turnout_backup_duration_seconds_count{backup="nightly",namespace="auto-author"} 2.0
      turnout_backup_duration_seconds_sum{backup="nightly",namespace="auto-author"} 3.0
      # TYPE turnout_backup_duration_seconds_max gauge
      turnout_backup_duration_seconds_max{backup="nightly",namespace="auto-author"} 2.0
      # TYPE turnout_health_revert_latency_seconds histogram
      turnout_health_revert_latency_seconds_bucket{app="backend",namespace="auto-author",le="0.05"} 1.0
      turnout_health_revert_latency_seconds_bucket{app="backend",namespace="auto-author",le="+Inf"} 1.0
      turnout_health_revert_latency_seconds_count{app="backend",namespace="auto-author"} 1.0
      turnout_health_revert_latency_seconds_sum{app="backend",namespace="auto-author"} 0.002
      # TYPE turnout_health_revert_latency_seconds_max gauge
      turnout_health_revert_latency_seconds_max{app="backend",namespace="auto-author"} 0.002
      # TYPE turnout_api_requests_total counter
      turnout_api_requests_total{code="200",verb="get"} 12.0
      turnout_reconcile_errors_total{kind="AppRelease"} 0.0
      # TYPE jvm_threads_live_threads gauge
      jvm_threads_live_threads 40.0
      """;

  @Test
  void histogramsBecomeCountAndPercentilesAndTheRestOneLineEachExceptZeros() {
    List<String> lines = MetricsSummary.summarize(EXPOSITION);
    assertThat(lines).hasSize(7).last().isEqualTo("(1 more series at 0)");
    assertThat(String.join("\n", lines))
        .doesNotContain("_bucket").doesNotContain("_max").doesNotContain("jvm_")
        // p50: rank 2 of 4 is in (10, 30] holding observations 2..3: 10 + 20 * (2 - 1) / 2 = 20 s; p90: rank 3.6 in (30, 60]: 48 s, capped by the max of 41 s
        .contains("turnout_release_promotion_duration_seconds")
        .contains("4, p50 20.0 s, p90 41.0 s, mean 20.0 s")
        .contains("auto-author/backend")
        .contains("2025-12-02T00:00:00Z")
        .contains("code=200 verb=get")
        // a timer without buckets: count and mean
        .contains("2, mean 1.5 s")
        // one observation of 2 ms: the bucket estimates (25 and 45 ms) are capped by the maximum
        .contains("1, p50 2 ms, p90 2 ms, mean 2 ms");
    assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("turnout_releases_promoted_total").endsWith(" 3"));
  }

  @Test
  void quantileFollowsHistogramQuantile() {
    TreeMap<Double, Double> b = new TreeMap<>();
    b.put(1.0, 0.0);
    b.put(2.0, 10.0);
    b.put(Double.POSITIVE_INFINITY, 20.0);
    assertThat(MetricsSummary.quantile(0.25, b)).isEqualTo(1.5);
    // in the +Inf bucket: the highest finite bound, as Prometheus does
    assertThat(MetricsSummary.quantile(0.9, b)).isEqualTo(2.0);
  }
}
