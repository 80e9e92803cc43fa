package dev.turnout.demo;

import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.DefaultMockServer;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.lang.reflect.Field;

/**
 * Answers SelfSubjectRulesReviews on the embedded API server with "everything allowed".
 *
 * <p>With leader election on (the prod profile), the Java Operator SDK checks its Lease permissions with a
 * SelfSubjectRulesReview before it starts; fabric8's CRUD mock treats that POST as an object to store and
 * rejects it (422, "metadata is required"), so the operator exits. Until EmbeddedCluster answers these
 * reviews itself, the demo puts a dispatcher in front of the mock's own one. The mock server does not expose
 * its dispatcher, hence the reflection (fabric8 mockwebserver 7.4.0 field names).
 */
final class AccessReviews {
  private static final String PATH = "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews";

  private AccessReviews() {}

  static void allowAll(KubernetesMockServer server) {
    try {
      Field serverField = DefaultMockServer.class.getDeclaredField("server");
      serverField.setAccessible(true);
      MockWebServer web = (MockWebServer) serverField.get(server);
      Field dispatcherField = MockWebServer.class.getDeclaredField("dispatcher");
      dispatcherField.setAccessible(true);
      Dispatcher original = (Dispatcher) dispatcherField.get(web);
      web.setDispatcher(new Dispatcher() {
        @Override
        public MockResponse dispatch(RecordedRequest request) {
          if ("POST".equals(request.getMethod()) && request.getPath() != null && request.getPath().startsWith(PATH)) {
            return new MockResponse().setResponseCode(201).setHeader("Content-Type", "application/json").setBody("""
                {"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectRulesReview","metadata":{},
                 "spec":{},
                 "status":{"incomplete":false,"nonResourceRules":[],
                   "resourceRules":[{"verbs":["*"],"apiGroups":["*"],"resources":["*"]}]}}
                """);
          }
          return original.dispatch(request);
        }

        @Override
        public void shutdown() {
          original.shutdown();
        }
      });
    } catch (ReflectiveOperationException | RuntimeException e) {
      System.out.println("(could not install the SelfSubjectRulesReview answer on the mock API: " + e
          + "; the operator's leader election may fail to start)");
    }
  }
}
