package dev.turnout.bench;

import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * The operator's requests to the API server, in order, with the time the server received them: from the real API
 * server's audit log on the real tier, from the embedded API server's recorded requests on the embedded cluster.
 * Leases (leader election) and Events (reporting) are left out: they are not state.
 */
interface OperatorRequests {
  Set<String> WRITE_VERBS = Set.of("create", "update", "patch", "delete", "deletecollection");

  /** One request as RBAC names it: verb, resource[/subresource], namespace and name. */
  record Request(Instant at, String verb, String resource, String subresource, String namespace, String name) {
    boolean isWrite() {
      return WRITE_VERBS.contains(verb);
    }

    String what() {
      return verb + " " + resource + (subresource == null ? "" : "/" + subresource);
    }

    @Override
    public String toString() {
      return at + " " + what() + " " + namespace + "/" + name;
    }
  }

  /** The operator's requests received at or after {@code since}, Leases and Events aside, oldest first. */
  List<Request> since(Instant since);
}
