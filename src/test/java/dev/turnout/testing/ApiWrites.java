package dev.turnout.testing;

import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** The writes the embedded cluster's API server received, for "no write when nothing changed" assertions. */
public final class ApiWrites {
  private static final Set<String> WRITES = Set.of("POST", "PUT", "PATCH", "DELETE");

  private ApiWrites() {}

  /** Takes every request recorded so far (so the next call sees only newer ones). */
  public static List<RecordedRequest> drain(KubernetesMockServer server) {
    List<RecordedRequest> requests = new ArrayList<>();
    try {
      RecordedRequest r;
      while ((r = server.takeRequest(10, TimeUnit.MILLISECONDS)) != null) {
        requests.add(r);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return requests;
  }

  /** Takes the requests recorded so far and returns the writes among them whose path matches, as "METHOD path". */
  public static List<String> drainWrites(KubernetesMockServer server, Predicate<String> path) {
    return drain(server).stream()
        .filter(r -> WRITES.contains(r.getMethod()))
        .filter(r -> path.test(r.getPath()))
        .map(r -> r.getMethod() + " " + r.getPath())
        .toList();
  }
}
