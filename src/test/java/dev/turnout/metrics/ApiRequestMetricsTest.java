package dev.turnout.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ApiRequestMetricsTest {
  @Test
  void verbsAreFewAndWatchesAreToldApart() {
    assertThat(ApiRequestMetrics.verb("GET", null)).isEqualTo("get");
    assertThat(ApiRequestMetrics.verb("GET", "labelSelector=a%3Db&resourceVersion=12&watch=true")).isEqualTo("watch");
    assertThat(ApiRequestMetrics.verb("GET", "watch=false")).isEqualTo("get");
    assertThat(ApiRequestMetrics.verb("PATCH", "fieldManager=turnout")).isEqualTo("patch");
    assertThat(ApiRequestMetrics.verb("POST", null)).isEqualTo("post");
    assertThat(ApiRequestMetrics.verb("OPTIONS", null)).as("anything else stays one label value").isEqualTo("other");
    assertThat(ApiRequestMetrics.verb(null, null)).isEqualTo("other");
  }
}
