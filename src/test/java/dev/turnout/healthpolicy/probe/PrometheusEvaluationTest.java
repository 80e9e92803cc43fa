package dev.turnout.healthpolicy.probe;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Pure parts of the Prometheus check, and Target construction from EndpointSlices. */
class PrometheusEvaluationTest {
  private static final SuccessCondition LT = SuccessCondition.parse("result < 0.05");

  @Test
  void vectorWithOneElement() {
    var e = PrometheusProber.evaluate(200,
        "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{},\"value\":[1,\"0.12\"]}]}}",
        "q", LT);
    assertThat(e.passed()).isFalse();
    assertThat(e.message()).isEqualTo("prometheus: result 0.12 does not satisfy result < 0.05");
  }

  @Test
  void scalar() {
    var e = PrometheusProber.evaluate(200,
        "{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[1,\"0.01\"]}}", "q", LT);
    assertThat(e.passed()).isTrue();
    assertThat(e.message()).isEqualTo("prometheus: result 0.01 satisfies result < 0.05");
  }

  @Test
  void emptyVectorFails() {
    var e = PrometheusProber.evaluate(200,
        "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[]}}", "rate(x[1m])", LT);
    assertThat(e.passed()).isFalse();
    assertThat(e.message()).isEqualTo("prometheus: query returned no data, so result < 0.05 cannot be checked: rate(x[1m])");
  }

  @Test
  void severalSeriesFail() {
    var e = PrometheusProber.evaluate(200, "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
        + "{\"metric\":{\"a\":\"1\"},\"value\":[1,\"0\"]},{\"metric\":{\"a\":\"2\"},\"value\":[1,\"0\"]}]}}", "x", LT);
    assertThat(e.passed()).isFalse();
    assertThat(e.message()).contains("returned 2 series, expected one");
  }

  @Test
  void queryError() {
    var e = PrometheusProber.evaluate(400,
        "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"parse error\"}", "x{", LT);
    assertThat(e.message()).isEqualTo("prometheus: HTTP 400, query failed: bad_data: parse error (query: x{)");
  }

  @Test
  void substitution() {
    Target t = new Target("auto-author", "backend-preview", "green", List.of(), List.of());
    assertThat(PrometheusProber.substitute(
        "sum(rate(x{service=\"{{service}}\",namespace=\"{{namespace}}\",color=\"{{color}}\"}[1m]))", t))
        .isEqualTo("sum(rate(x{service=\"backend-preview\",namespace=\"auto-author\",color=\"green\"}[1m]))");
  }

  @Test
  void targetFromEndpointSlices() {
    var service = new ServiceBuilder().withNewMetadata().withName("backend").withNamespace("ns").endMetadata()
        .withNewSpec().withPorts(new ServicePortBuilder().withName("http").withPort(80)
            .withTargetPort(new IntOrString(8000)).build()).endSpec().build();
    var slice = new EndpointSliceBuilder().withNewMetadata().withName("backend-abc")
        .withLabels(Map.of(Targets.SERVICE_NAME_LABEL, "backend")).endMetadata()
        .withAddressType("IPv4")
        .addNewPort().withName("http").withPort(8000).endPort()
        .addNewEndpoint().withAddresses("10.0.0.1").withNewConditions().withReady(true).endConditions()
        .withNewTargetRef().withKind("Pod").withName("backend-green-1").endTargetRef().endEndpoint()
        .addNewEndpoint().withAddresses("10.0.0.2").withNewConditions().withReady(false).endConditions().endEndpoint()
        .addNewEndpoint().withAddresses("10.0.0.3").endEndpoint()
        .build();
    var otherService = new EndpointSliceBuilder().withNewMetadata().withName("other")
        .withLabels(Map.of(Targets.SERVICE_NAME_LABEL, "other")).endMetadata()
        .addNewEndpoint().withAddresses("10.0.0.9").endEndpoint().build();
    Target t = Targets.of(service, List.of(slice, slice, otherService), "green");
    assertThat(t.endpoints()).extracting(Target.Endpoint::ip).containsExactly("10.0.0.1", "10.0.0.3");
    assertThat(t.endpoints().get(0).podName()).isEqualTo("backend-green-1");
    assertThat(t.endpoints().get(0).ports()).isEqualTo(Map.of("http", 8000));
    assertThat(t.namespace()).isEqualTo("ns");
    assertThat(t.color()).isEqualTo("green");
  }
}
