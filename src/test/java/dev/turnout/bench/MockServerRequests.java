package dev.turnout.bench;

import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The operator's requests as the embedded API server recorded them: a thread takes each recorded request as it
 * arrives (the mock server queues it when it dispatches it) and stamps it. The operator is told apart from the
 * simulator and the benchmark by its bearer token (its kubeconfig's), as the audit log tells users apart.
 */
final class MockServerRequests implements OperatorRequests, AutoCloseable {
  private final KubernetesMockServer server;
  private final String authorization;
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final Thread taker;
  private volatile boolean running = true;

  MockServerRequests(KubernetesMockServer server, String operatorToken) {
    this.server = server;
    this.authorization = "Bearer " + operatorToken;
    taker = new Thread(this::take, "bench-request-taker");
    taker.setDaemon(true);
    taker.start();
  }

  private void take() {
    while (running) {
      try {
        RecordedRequest r = server.takeRequest(200, TimeUnit.MILLISECONDS);
        if (r != null && authorization.equals(r.getHeader("Authorization"))) {
          Request parsed = parse(Instant.now(), r.getMethod(), r.getPath());
          if (!"leases".equals(parsed.resource()) && !"events".equals(parsed.resource())) {
            requests.add(parsed);
          }
        }
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** The verb and object of a request path, as the API server's request-info resolver names them. */
  static Request parse(Instant at, String method, String pathAndQuery) {
    int q = pathAndQuery.indexOf('?');
    String path = q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
    String query = q < 0 ? "" : pathAndQuery.substring(q + 1);
    String[] parts = path.replaceFirst("^/", "").split("/");
    // /api/v1/... or /apis/group/version/...
    int i = "api".equals(parts[0]) ? 2 : 3;
    String namespace = null;
    if (parts.length > i + 1 && "namespaces".equals(parts[i])) {
      namespace = parts[i + 1];
      i += 2;
    }
    String resource = parts.length > i ? parts[i] : null;
    String name = parts.length > i + 1 ? parts[i + 1] : null;
    String sub = parts.length > i + 2 ? parts[i + 2] : null;
    if (resource == null && namespace != null) {
      resource = "namespaces";
      name = namespace;
    }
    String verb = switch (method) {
      case "POST" -> "create";
      case "PUT" -> "update";
      case "PATCH" -> "patch";
      case "DELETE" -> name == null ? "deletecollection" : "delete";
      default -> query.contains("watch=true") ? "watch" : name == null ? "list" : "get";
    };
    return new Request(at, verb, resource, sub, namespace, name);
  }

  @Override
  public List<Request> since(Instant since) {
    List<Request> out = new ArrayList<>();
    for (Request r : requests) {
      if (!r.at().isBefore(since)) {
        out.add(r);
      }
    }
    return out;
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    taker.join(2000);
  }
}
