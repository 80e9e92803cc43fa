package dev.turnout.healthpolicy.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PortResolverTest {
  private static final List<ServicePort> PORTS = List.of(
      new ServicePortBuilder().withName("http").withPort(80).withTargetPort(new IntOrString("web")).build(),
      new ServicePortBuilder().withName("metrics").withPort(9090).withTargetPort(new IntOrString(9100)).build());
  private static final Target TARGET = new Target("auto-author", "backend-preview", "green", PORTS,
      List.of(new Target.Endpoint("10.0.0.5", Map.of("http", 8000, "metrics", 9100))));
  private static final Target.Endpoint EP = TARGET.endpoints().get(0);

  @Test
  void byServicePortName() throws Exception {
    assertThat(PortResolver.resolve("api", new IntOrString("http"), TARGET, EP)).isEqualTo(8000);
    assertThat(PortResolver.resolve("api", new IntOrString("metrics"), TARGET, EP)).isEqualTo(9100);
  }

  @Test
  void byServicePortNumber() throws Exception {
    assertThat(PortResolver.resolve("api", new IntOrString(80), TARGET, EP)).isEqualTo(8000);
    assertThat(PortResolver.resolve("api", new IntOrString(9090), TARGET, EP)).isEqualTo(9100);
    assertThat(PortResolver.resolve("api", new IntOrString("80"), TARGET, EP)).isEqualTo(8000);
  }

  @Test
  void unknownPortNameNamesCheckAndPort() {
    assertThatThrownBy(() -> PortResolver.resolve("api", new IntOrString("grpc"), TARGET, EP))
        .isInstanceOf(PortResolver.PortResolutionException.class)
        .hasMessage("check api: port \"grpc\" is not a port of Service backend-preview (its ports: http/80, metrics/9090)");
  }

  @Test
  void unknownPortNumberNamesCheckAndPort() {
    // the container port is not a Service port: checks address the Service
    assertThatThrownBy(() -> PortResolver.resolve("api", new IntOrString(8000), TARGET, EP))
        .hasMessageContaining("check api: port 8000 is not a port of Service backend-preview");
  }

  @Test
  void endpointWithoutThePortName() {
    Target.Endpoint other = new Target.Endpoint("10.0.0.6", Map.of("metrics", 9100));
    assertThatThrownBy(() -> PortResolver.resolve("api", new IntOrString("http"), TARGET, other))
        .hasMessage("check api: endpoint 10.0.0.6 has no port named http in its EndpointSlice (ports: [metrics])");
  }

  @Test
  void unnamedSinglePort() throws Exception {
    Target t = new Target("ns", "svc", "", List.of(new ServicePortBuilder().withPort(80).build()),
        List.of(new Target.Endpoint("10.0.0.7", Map.of("", 8080))));
    assertThat(PortResolver.resolve("api", new IntOrString(80), t, t.endpoints().get(0))).isEqualTo(8080);
  }

  @Test
  void missingPort() {
    assertThatThrownBy(() -> PortResolver.resolve("api", null, TARGET, EP)).hasMessage("check api: no port given");
  }
}
