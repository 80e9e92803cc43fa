package dev.turnout.bench;

import dev.turnout.healthpolicy.CheckSpec;
import dev.turnout.healthpolicy.HealthPolicySpec;
import dev.turnout.healthpolicy.probe.CheckRunner;
import dev.turnout.healthpolicy.probe.Target;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Prints how many HTTP probes per second the engine sustains for N targets against a local server (not a test: no
 * *Test suffix, so surefire ignores it).
 *
 * <pre>
 * mvn -B -q test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * java -cp target/classes:target/test-classes:$(cat target/cp.txt) dev.turnout.bench.ProbeBenchmark [targets] [seconds]
 * </pre>
 *
 * Each target runs rounds back to back (no interval), so the number is the engine's ceiling, not what a real
 * interval would produce. Server and probes share the machine, so it is a lower bound.
 */
public final class ProbeBenchmark {
  public static void main(String[] args) throws Exception {
    int targets = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    Vertx vertx = Vertx.vertx();
    HttpServer server = vertx.createHttpServer().requestHandler(req -> req.response()
            .putHeader("content-type", "application/json")
            .end("{\"status\":\"healthy\",\"api\":\"healthy\",\"database\":\"healthy\"}"))
        .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    CheckRunner runner = new CheckRunner(vertx);

    CheckSpec check = new CheckSpec();
    check.name = "api";
    check.timeoutSeconds = 5;
    check.http = new CheckSpec.HttpCheck();
    check.http.path = "/api/v1/health";
    check.http.port = new IntOrString("http");
    CheckSpec.JsonAssertion a = new CheckSpec.JsonAssertion();
    a.path = "$.database";
    a.equals = "healthy";
    check.http.expectJson = List.of(a);
    HealthPolicySpec policy = new HealthPolicySpec();
    policy.checks = List.of(check);

    AtomicLong probes = new AtomicLong();
    AtomicLong failures = new AtomicLong();
    AtomicBoolean running = new AtomicBoolean(true);
    List<Target> all = new ArrayList<>();
    for (int i = 0; i < targets; i++) {
      all.add(new Target("bench", "svc-" + i, "green",
          List.of(new ServicePortBuilder().withName("http").withPort(80).build()),
          List.of(new Target.Endpoint("127.0.0.1", Map.of("http", server.actualPort())))));
    }
    for (Target t : all) {
      loop(runner, policy, t, running, probes, failures);
    }
    long warmup = 3;
    Thread.sleep(warmup * 1000);
    long start = System.nanoTime();
    long startCount = probes.get();
    long startFailures = failures.get();
    for (int s = 1; s <= seconds; s++) {
      Thread.sleep(1000);
      double elapsed = (System.nanoTime() - start) / 1e9;
      System.out.printf("%3ds  %8.0f probes/s%n", s, (probes.get() - startCount) / elapsed);
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    running.set(false);
    System.out.printf("BENCH probe engine: targets=%d seconds=%.1f probes=%d failures=%d -> %.0f probes/s sustained%n", targets, elapsed,
        probes.get() - startCount, failures.get() - startFailures, (probes.get() - startCount) / elapsed);
    Thread.sleep(500);
    runner.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static void loop(CheckRunner runner, HealthPolicySpec policy, Target target, AtomicBoolean running,
      AtomicLong probes, AtomicLong failures) {
    if (!running.get()) {
      return;
    }
    Future<?> f = runner.runRound(policy, target).onSuccess(r -> {
      probes.incrementAndGet();
      if (!r.passed()) {
        failures.incrementAndGet();
      }
    });
    f.onComplete(ar -> loop(runner, policy, target, running, probes, failures));
  }
}
