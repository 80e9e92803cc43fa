package dev.turnout.healthpolicy.probe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.turnout.healthpolicy.CheckSpec;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import java.io.File;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HTTP(S) and TCP checks against real servers on loopback. */
class HttpAndTcpCheckTest {
  static Vertx vertx;
  static CheckRunner runner;
  static FakeBackend healthy;
  static FakeBackend dbDown;
  static FakeBackend slow;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    runner = new CheckRunner(vertx);
    healthy = FakeBackend.start(vertx, FakeBackend.Mode.HEALTHY);
    dbDown = FakeBackend.start(vertx, FakeBackend.Mode.DB_DOWN);
    slow = FakeBackend.start(vertx, FakeBackend.Mode.SLOW);
    await(runner.run(Checks.api(), healthy.target("warm-up"))); // class loading and JIT before assertions
  }

  @AfterAll
  static void stop() throws Exception {
    runner.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  @Test
  void healthyBackendPasses() throws Exception {
    CheckResult r = await(runner.run(Checks.api(), healthy.target("backend-preview")));
    assertThat(r.passed()).as(r.message()).isTrue();
    assertThat(r.message()).isEqualTo("GET /api/v1/health on 127.0.0.1:" + healthy.port() + ": 200");
    assertThat(r.latencyMillis()).isGreaterThanOrEqualTo(0);
    assertThat(r.time()).isNotNull();
    assertThat(r.endpoints()).hasSize(1);
  }

  @Test
  void databaseDownFailsWithStatusAndJsonPath() throws Exception {
    CheckResult r = await(runner.run(Checks.api(), dbDown.target("backend-preview")));
    assertThat(r.passed()).isFalse();
    assertThat(r.message()).isEqualTo("GET /api/v1/health on 127.0.0.1:" + dbDown.port()
        + ": 503 (expected 2xx), $.database = \"unreachable\", expected \"healthy\"");
  }

  @Test
  void expectStatusListAcceptsListedCodes() throws Exception {
    CheckSpec c = Checks.api();
    c.http.expectStatus = List.of(200, 503);
    c.http.expectJson = List.of();
    assertThat(await(runner.run(c, dbDown.target("b"))).passed()).isTrue();
    c.http.expectStatus = List.of(204);
    CheckResult r = await(runner.run(c, healthy.target("b")));
    assertThat(r.passed()).isFalse();
    assertThat(r.message()).endsWith(": 200 (expected 204)");
  }

  @Test
  void corsHeaderPresentForAllowedOrigin() throws Exception {
    CheckSpec c = Checks.api();
    c.http.headers = List.of(Checks.header("Origin", FakeBackend.ORIGIN));
    c.http.expectHeaders = List.of(Checks.header("Access-Control-Allow-Origin", FakeBackend.ORIGIN));
    CheckResult r = await(runner.run(c, healthy.target("b")));
    assertThat(r.passed()).as(r.message()).isTrue();
  }

  @Test
  void corsHeaderMissingForOtherOrigin() throws Exception {
    CheckSpec c = Checks.api();
    c.http.headers = List.of(Checks.header("Origin", "https://evil.example"));
    c.http.expectHeaders = List.of(Checks.header("access-control-allow-origin", FakeBackend.ORIGIN));
    CheckResult r = await(runner.run(c, healthy.target("b")));
    assertThat(r.passed()).isFalse();
    assertThat(r.message()).isEqualTo("GET /api/v1/health on 127.0.0.1:" + healthy.port()
        + ": 200, missing header access-control-allow-origin (expected \"https://dev.autoauthor.app\")");
  }

  @Test
  void jsonExistsAndOneOf() throws Exception {
    CheckSpec c = Checks.api();
    CheckSpec.JsonAssertion exists = new CheckSpec.JsonAssertion();
    exists.path = "$.api";
    exists.exists = true;
    CheckSpec.JsonAssertion absent = new CheckSpec.JsonAssertion();
    absent.path = "$.error";
    absent.exists = false;
    CheckSpec.JsonAssertion oneOf = new CheckSpec.JsonAssertion();
    oneOf.path = "$.status";
    oneOf.oneOf = List.of("healthy", "degraded");
    c.http.expectJson = List.of(exists, absent, oneOf);
    assertThat(await(runner.run(c, healthy.target("b"))).passed()).isTrue();
    c.http.expectStatus = List.of(503);
    CheckResult r = await(runner.run(c, dbDown.target("b")));
    assertThat(r.message()).endsWith(": 503, $.status = \"unhealthy\", expected one of [\"healthy\", \"degraded\"]");
    exists.path = "$.nope";
    absent.path = "$.api";
    r = await(runner.run(c, dbDown.target("b")));
    assertThat(r.message()).contains("$.nope is missing", "$.api = \"healthy\", expected it to be absent");
  }

  @Test
  void slowResponseTimesOut() throws Exception {
    CheckSpec c = Checks.api();
    c.timeoutSeconds = 1; // the slow server answers after 3s
    CheckResult r = await(runner.run(c, slow.target("b")));
    assertThat(r.passed()).isFalse();
    assertThat(r.message()).isEqualTo("GET /api/v1/health on 127.0.0.1:" + slow.port() + ": timed out after 1s");
    assertThat(r.latencyMillis()).isBetween(900L, 2900L);
  }

  @Test
  void noReadyEndpoints() throws Exception {
    Target t = new Target("ns", "backend-preview", "green", healthy.target("x").servicePorts(), List.of());
    CheckResult r = await(runner.run(Checks.api(), t));
    assertThat(r.passed()).isFalse();
    assertThat(r.message()).isEqualTo("no ready endpoints behind service backend-preview");
  }

  @Test
  void unknownPortFailsWithClearMessage() throws Exception {
    CheckSpec c = Checks.api();
    c.http.port = new io.fabric8.kubernetes.api.model.IntOrString("grpc");
    CheckResult r = await(runner.run(c, healthy.target("backend-preview")));
    assertThat(r.passed()).isFalse();
    assertThat(r.message()).startsWith("check api: port \"grpc\" is not a port of Service backend-preview");
  }

  @Test
  void everyEndpointMustPass() throws Exception {
    Target t = new Target("ns", "backend", "green", healthy.target("x").servicePorts(), List.of(
        new Target.Endpoint("127.0.0.1", Map.of("http", healthy.port()), "backend-green-a"),
        new Target.Endpoint("127.0.0.1", Map.of("http", dbDown.port()), "backend-green-b")));
    CheckResult r = await(runner.run(Checks.api(), t));
    assertThat(r.passed()).isFalse();
    assertThat(r.message()).startsWith("GET /api/v1/health on 127.0.0.1:" + dbDown.port() + ": 503")
        .endsWith("(1 of 2 endpoints failed)");
    assertThat(r.endpoints()).extracting(CheckResult.EndpointResult::passed).containsExactly(true, false);
    assertThat(r.endpoints()).extracting(CheckResult.EndpointResult::podName)
        .containsExactly("backend-green-a", "backend-green-b");
  }

  @Test
  void httpsTrustsSelfSignedCertificates(@TempDir Path dir) throws Exception {
    File ks = dir.resolve("server.p12").toFile();
    String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    Process p = new ProcessBuilder(keytool, "-genkeypair", "-alias", "server", "-keyalg", "RSA", "-keysize", "2048",
        "-dname", "CN=backend.auto-author.svc", "-validity", "2", "-storetype", "PKCS12",
        "-keystore", ks.getPath(), "-storepass", "changeit", "-keypass", "changeit")
        .redirectErrorStream(true).start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(new String(p.getInputStream().readAllBytes())).isZero();
    try (FakeBackend tls = FakeBackend.startTls(vertx, FakeBackend.Mode.HEALTHY, ks.getPath(), "changeit")) {
      CheckSpec c = Checks.api();
      c.http.scheme = CheckSpec.Scheme.HTTPS;
      c.timeoutSeconds = 10; // the first TLS handshake of a JVM is slow on a busy machine
      CheckResult r = await(runner.run(c, tls.target("b")));
      assertThat(r.passed()).as(r.message()).isTrue();
      c.http.scheme = CheckSpec.Scheme.HTTP; // plain HTTP to a TLS port fails
      assertThat(await(runner.run(c, tls.target("b"))).passed()).isFalse();
    }
  }

  @Test
  void tcpListeningPortPasses() throws Exception {
    NetServer server = await(vertx.createNetServer().connectHandler(s -> s.close()).listen(0, "127.0.0.1"));
    try {
      CheckResult r = await(runner.run(Checks.tcp("127.0.0.1", server.actualPort()), healthy.target("b")));
      assertThat(r.passed()).as(r.message()).isTrue();
      assertThat(r.message()).isEqualTo("tcp 127.0.0.1:" + server.actualPort() + ": connected");
    } finally {
      await(server.close());
    }
  }

  @Test
  void tcpClosedPortIsRefused() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      port = s.getLocalPort();
    }
    CheckResult r = await(runner.run(Checks.tcp("127.0.0.1", port), healthy.target("b")));
    assertThat(r.passed()).isFalse();
    assertThat(r.message()).isEqualTo("tcp 127.0.0.1:" + port + ": connection refused");
  }

  /** Item 10: a TCP check without host connects to each pod on its own IP, and says which pod failed. */
  @Test
  void tcpWithoutHostConnectsToEachPodOnItsOwnAddress() throws Exception {
    NetServer server = await(vertx.createNetServer().connectHandler(s -> s.close()).listen(0, "127.0.0.1"));
    try {
      int port = server.actualPort();
      // 127.0.0.1 listens on the port; 127.0.0.2 (same loopback, another address) does not
      Target target = new Target("auto-author", "backend-preview", "green", List.of(), List.of(
          new Target.Endpoint("127.0.0.1", Map.of(), "backend-green-7d9f-a"),
          new Target.Endpoint("127.0.0.2", Map.of(), "backend-green-7d9f-b")));
      CheckResult r = await(runner.run(Checks.tcp(null, port), target));
      assertThat(r.passed()).isFalse();
      assertThat(r.endpoints()).extracting(CheckResult.EndpointResult::podName, CheckResult.EndpointResult::passed)
          .containsExactly(org.assertj.core.groups.Tuple.tuple("backend-green-7d9f-a", true),
              org.assertj.core.groups.Tuple.tuple("backend-green-7d9f-b", false));
      assertThat(r.endpoints().get(1).message()).isEqualTo("tcp 127.0.0.2:" + port + ": connection refused");
      assertThat(r.message()).contains("(1 of 2 endpoints failed)");
      // with one pod only, that pod's verdict alone
      CheckResult one = await(runner.run(Checks.tcp(null, port), new Target("auto-author", "b", "green", List.of(),
          List.of(new Target.Endpoint("127.0.0.1", Map.of(), "backend-green-7d9f-a")))));
      assertThat(one.passed()).as(one.message()).isTrue();
      assertThat(one.message()).isEqualTo("tcp 127.0.0.1:" + port + ": connected");
    } finally {
      await(server.close());
    }
  }

  @Test
  void roundRunsAllChecksAndPassesOnlyWhenAllPass() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    var policy = Checks.policy(5, 3, 2, Checks.api(), Checks.tcp("127.0.0.1", closed));
    RoundResult round = await(runner.runRound(policy, healthy.target("b")));
    assertThat(round.results()).extracting(CheckResult::name).containsExactly("api", "mongo");
    assertThat(round.outcomes()).containsEntry("api", true).containsEntry("mongo", false);
    assertThat(round.passed()).isFalse();
  }
}
