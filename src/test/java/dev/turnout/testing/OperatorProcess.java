package dev.turnout.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The packaged operator (java -jar target/quarkus-app/quarkus-run.jar, prod profile: leader election on) as a
 * child process against a kubeconfig, as a user runs it outside a cluster. Used by `make run` and by tests that
 * kill and restart the operator.
 */
public final class OperatorProcess implements AutoCloseable {
  private final Process process;
  private final int port;
  private final Path log;

  private OperatorProcess(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  /** Starts the jar with KUBECONFIG, a free HTTP port and the given extra environment; output goes to {@code log}. */
  public static OperatorProcess start(Path jar, Path kubeconfig, Path log, Map<String, String> env) throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Files.createDirectories(log.toAbsolutePath().getParent());
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", jar.toAbsolutePath().toString());
    pb.environment().put("KUBECONFIG", kubeconfig.toAbsolutePath().toString());
    pb.environment().put("TURNOUT_HTTP_PORT", Integer.toString(port));
    pb.environment().put("QUARKUS_KUBERNETES_CLIENT_TRUST_CERTS", "true");
    pb.environment().putAll(env);
    pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    return new OperatorProcess(pb.start(), port, log);
  }

  public long pid() {
    return process.pid();
  }

  public int port() {
    return port;
  }

  public Path log() {
    return log;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public Process process() {
    return process;
  }

  public URI url(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  /** Waits until /q/health/ready answers 200; false when the process died or the time ran out. */
  public boolean awaitReady(Duration timeout) throws InterruptedException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    Instant end = Instant.now().plus(timeout);
    while (Instant.now().isBefore(end) && process.isAlive()) {
      try {
        HttpResponse<Void> r = http.send(HttpRequest.newBuilder(url("/q/health/ready")).timeout(Duration.ofSeconds(2)).build(),
            HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200) {
          return true;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    return false;
  }

  /** kill -9: the operator dies wherever it is, between any two API calls. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  /** A normal shutdown (SIGTERM), forced (kill -9) after 10 s; whether the SIGTERM alone ended the process in time. */
  public boolean terminate() throws InterruptedException {
    if (!process.isAlive()) {
      return true;
    }
    process.destroy();
    if (process.waitFor(10, TimeUnit.SECONDS)) {
      return true;
    }
    kill();
    return false;
  }

  /** A normal shutdown (SIGTERM), forced after 10 s. */
  @Override
  public void close() throws InterruptedException {
    terminate();
  }
}
