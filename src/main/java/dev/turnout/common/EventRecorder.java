package dev.turnout.common;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import org.jboss.logging.Logger;

/** Emits core/v1 Events on the resources Turnout reconciles (kubectl describe shows them). */
@ApplicationScoped
public class EventRecorder {
  private static final Logger LOG = Logger.getLogger(EventRecorder.class);
  public static final String NORMAL = "Normal";
  public static final String WARNING = "Warning";

  @Inject KubernetesClient client;
  @Inject Clock clock;

  public void normal(HasMetadata on, String reason, String message) {
    emit(on, NORMAL, reason, message);
  }

  public void warning(HasMetadata on, String reason, String message) {
    emit(on, WARNING, reason, message);
  }

  public void emit(HasMetadata on, String type, String reason, String message) {
    String now = Times.format(clock.instant());
    String name =
        on.getMetadata().getName() + "." + Long.toHexString(System.currentTimeMillis()) + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000));
    try {
      client
          .v1()
          .events()
          .inNamespace(on.getMetadata().getNamespace())
          .resource(
              new EventBuilder()
                  .withNewMetadata()
                  .withName(name.toLowerCase(Locale.ROOT))
                  .withNamespace(on.getMetadata().getNamespace())
                  .endMetadata()
                  .withInvolvedObject(
                      new ObjectReferenceBuilder()
                          .withApiVersion(on.getApiVersion())
                          .withKind(on.getKind())
                          .withName(on.getMetadata().getName())
                          .withNamespace(on.getMetadata().getNamespace())
                          .withUid(on.getMetadata().getUid())
                          .withResourceVersion(on.getMetadata().getResourceVersion())
                          .build())
                  .withType(type)
                  .withReason(reason)
                  // a message may quote what an agent or a tool printed: never a URI's password in an Event
                  .withMessage(Redactor.uriCredentials(message))
                  .withFirstTimestamp(now)
                  .withLastTimestamp(now)
                  .withCount(1)
                  .withNewSource()
                  .withComponent("turnout")
                  .endSource()
                  .withReportingComponent("turnout.dev/operator")
                  .withReportingInstance(System.getenv().getOrDefault("HOSTNAME", "turnout"))
                  .build())
          .create();
    } catch (RuntimeException e) {
      // an Event is informative; failing to write one must never fail a reconcile
      LOG.warnf("could not record event %s on %s/%s: %s", reason, on.getKind(), on.getMetadata().getName(), e.getMessage());
    }
  }
}
