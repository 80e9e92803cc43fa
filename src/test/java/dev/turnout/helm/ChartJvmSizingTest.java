package dev.turnout.helm;

import static dev.turnout.helm.HelmChartTest.ofType;
import static dev.turnout.helm.HelmChartTest.render;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The operator's JVM as the chart sizes it (docs/operations.md, "Sizing the operator"): the heap is a share of the
 * container's memory limit, and what is left of the limit must hold what the JVM needs besides the heap. Measured with
 * 1,000 AppReleases on the real tier (docs/performance.md, "Scale"): live heap after a full GC 160 to 214 MiB,
 * RSS besides the heap (metaspace, code cache, symbols, threads, malloc, the JDK's mapped files) about 200 MiB.
 */
class ChartJvmSizingTest {
  static final long MIB = 1024 * 1024;

  static List<EnvVar> env(String... sets) {
    return ofType(render(sets), Deployment.class).get(0).getSpec().getTemplate().getSpec().getContainers().get(0).getEnv();
  }

  static String value(List<EnvVar> env, String name) {
    return env.stream().filter(e -> e.getName().equals(name)).map(EnvVar::getValue).findFirst().orElse(null);
  }

  @Test
  void theDefaultLimitHoldsTheHeapAndWhatTheJvmNeedsBesides() {
    Deployment d = ofType(render(), Deployment.class).get(0);
    var container = d.getSpec().getTemplate().getSpec().getContainers().get(0);
    String options = value(container.getEnv(), "JAVA_TOOL_OPTIONS");
    assertThat(options).as("named, not left to ergonomics that differ with the limit and the node")
        .contains("-XX:+UseSerialGC", "-XX:ActiveProcessorCount=");
    Matcher share = Pattern.compile("-XX:MaxRAMPercentage=(\\d+)").matcher(options);
    assertThat(share.find()).as("the heap follows the limit: " + options).isTrue();
    long limit = Quantity.getAmountInBytes(container.getResources().getLimits().get("memory")).longValueExact();
    long heap = limit * Integer.parseInt(share.group(1)) / 100;
    Matcher ratio = Pattern.compile("-XX:NewRatio=(\\d+)").matcher(options);
    int newRatio = ratio.find() ? Integer.parseInt(ratio.group(1)) : 2; // the serial collector's default
    // the old generation (heap * NewRatio / (NewRatio + 1)) holds the informer caches: 160 to 214 MiB live at 1,000
    // releases after a full GC, and needs room to spare or collections come back to back
    assertThat(heap * newRatio / (newRatio + 1)).as("old generation, MiB").isGreaterThanOrEqualTo(280 * MIB);
    assertThat(limit - heap).as("room besides the heap, MiB (about 200 used at 1,000 releases)")
        .isGreaterThanOrEqualTo(300 * MIB);
    assertThat(value(container.getEnv(), "MALLOC_ARENA_MAX")).isEqualTo("2");
  }

  @Test
  void emptyJavaOptionsLeaveTheImageDefault() {
    assertThat(value(env("javaOptions", ""), "JAVA_TOOL_OPTIONS")).isNull();
    assertThat(value(env("javaOptions", "-XX:MaxRAMPercentage=60"), "JAVA_TOOL_OPTIONS"))
        .isEqualTo("-XX:MaxRAMPercentage=60");
  }
}
