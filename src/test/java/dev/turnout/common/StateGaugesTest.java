package dev.turnout.common;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class StateGaugesTest {
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final Set<ResourceID> live = new HashSet<>();
  final StateGauges gauges = new StateGauges(registry, "app", Duration.ZERO);

  ConfigMap resource(String name) {
    ConfigMap r = new ConfigMapBuilder().withNewMetadata().withNamespace("shop").withName(name).endMetadata().build();
    live.add(ResourceID.fromResource(r));
    return r;
  }

  Double value(String metric, String app) {
    var g = registry.find(metric).tags("namespace", "shop", "app", app).gauge();
    return g == null ? null : g.value();
  }

  @Test
  void setClearAndClearOthers() {
    ConfigMap backend = resource("backend");
    gauges.set(live::contains, backend, "turnout.x", "x", 42);
    assertThat(value("turnout.x", "backend")).isEqualTo(42);
    gauges.set(live::contains, backend, "turnout.x", "x", 7);
    assertThat(value("turnout.x", "backend")).isEqualTo(7);
    gauges.clear(backend, "turnout.x");
    assertThat(value("turnout.x", "backend")).isNull();

    gauges.set(live::contains, backend, "turnout.phase", "p", Tags.of("phase", "Progressing"), 1);
    gauges.set(live::contains, backend, "turnout.phase", "p", Tags.of("phase", "Failed"), 1);
    gauges.clearOthers(backend, "turnout.phase", Tags.of("phase", "Failed"));
    assertThat(registry.find("turnout.phase").gauges()).singleElement()
        .satisfies(g -> assertThat(g.getId().getTag("phase")).isEqualTo("Failed"));
  }

  /** A deleted resource is never reconciled again: its gauges read NaN at once and go at the next set of any other. */
  @Test
  void aDeletedResourcesSeriesReadNaNThenGo() {
    ConfigMap backend = resource("backend");
    ConfigMap frontend = resource("frontend");
    gauges.set(live::contains, backend, "turnout.x", "x", 1);
    gauges.set(live::contains, frontend, "turnout.x", "x", 1);
    live.remove(ResourceID.fromResource(backend));
    assertThat(value("turnout.x", "backend")).isNaN();
    assertThat(value("turnout.x", "frontend")).isEqualTo(1);
    gauges.set(live::contains, frontend, "turnout.x", "x", 2);
    assertThat(value("turnout.x", "backend")).isNull();
    assertThat(value("turnout.x", "frontend")).isEqualTo(2);
  }
}
