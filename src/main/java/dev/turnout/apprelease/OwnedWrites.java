package dev.turnout.apprelease;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.turnout.common.EventRecorder;
import dev.turnout.common.Labels;
import dev.turnout.common.OwnedObjects;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * The writes of one reconcile to the objects a release owns. Deployments and Services are written with server-side
 * apply under the field manager {@value #MANAGER}, with force: Turnout owns the fields it sets (spec.replicas
 * included) and leaves the others to whoever set them (kubectl rollout restart's annotation, fields the API server
 * defaults). An object is applied only when the cache shows a reason: it is missing, what Turnout wants of it changed
 * (the hash of the desired object, annotation {@code turnout.dev/applied-hash}), or a field Turnout sets was changed
 * by someone else ({@link FieldDrift}); an unchanged release makes no write, not even a no-op apply. A repair is told
 * in an Event DriftRepaired. A write the API server or an admission webhook refuses (422, a denied admission) is
 * recorded in the run, told once per message in an Event WriteRefused, retried with backoff ({@link WriteHistory})
 * and surfaces as {@link Refused}, which the callers catch so that the rest of the reconcile goes on.
 *
 * <p>Every write is counted (turnout_api_writes_total), recorded in the {@link ReleaseSnapshot} for the steps that
 * follow, and put in the informer's cache so that the next reconcile does not decide from a copy older than the
 * operator's own write.
 */
final class OwnedWrites {
  static final String MANAGER = "turnout";
  private static final Logger LOG = Logger.getLogger(OwnedWrites.class);

  /** What an owned object is to the release, for a DriftRepaired Event; {@code existed}: its absence means it was deleted. */
  record Role(String description, boolean existed) {}

  /** A write the API server refused; already recorded in the run and told in an Event. */
  static final class Refused extends RuntimeException {
    final ReleaseRun.RefusedWrite write;

    Refused(ReleaseRun.RefusedWrite write) {
      super(write.describe(), null, false, false);
      this.write = write;
    }
  }

  private final KubernetesClient client;
  private final OwnedObjects.WriteCounter counter;
  private final Context<AppRelease> context;
  private final ReleaseRun run;
  private final EventRecorder events;
  private final WriteHistory history;

  OwnedWrites(KubernetesClient client, OwnedObjects.WriteCounter counter, Context<AppRelease> context, ReleaseRun run,
      EventRecorder events, WriteHistory history) {
    this.client = client;
    this.counter = counter;
    this.context = context;
    this.run = run;
    this.events = events;
    this.history = history;
  }

  KubernetesClient client() {
    return client;
  }

  /**
   * Makes the cluster hold {@code desired} (a Deployment or Service) with server-side apply, when the cache shows it
   * does not. A resourceVersion set on {@code desired} is a precondition of the apply (the active Service's switch).
   *
   * @param role what the object is to the release, to report a repair; null: the caller reports it
   * @return the object as written, or {@code actual} when no write was needed
   */
  <T extends HasMetadata> T apply(T actual, T desired, Role role) {
    String lockedTo = desired.getMetadata().getResourceVersion();
    desired.getMetadata().setResourceVersion(null);
    String hash = canonicalHash(desired);
    Map<String, String> annotations = new HashMap<>(Optional.ofNullable(desired.getMetadata().getAnnotations()).orElse(Map.of()));
    annotations.put(Labels.APPLIED_HASH, hash);
    desired.getMetadata().setAnnotations(annotations);
    FieldDrift.Difference drift = null;
    if (actual != null) {
      history.seen(key(actual));
      if (hash.equals(ReleaseSnapshot.annotation(actual, Labels.APPLIED_HASH))) {
        drift = FieldDrift.find(desired, actual).orElse(null);
        if (drift == null || history.isUnconverged(unconvergedMarker(actual))) {
          return actual;
        }
      }
    }
    desired.getMetadata().setResourceVersion(lockedTo);
    T written = write(desired, hash, () -> client.resource(desired).fieldManager(MANAGER).forceConflicts().serverSideApply());
    if (FieldDrift.find(desired, written).isPresent()) {
      // the API server's answer differs from what was applied in a way FieldDrift does not take for a normal form:
      // remember it, or every reconcile would apply again
      LOG.warnf("%s %s/%s: the applied object comes back different at %s; not applied again until it changes", written.getKind(),
          run.namespace(), written.getMetadata().getName(), FieldDrift.find(desired, written).get().path());
      history.unconverged(unconvergedMarker(written));
    }
    if (role != null) {
      reportRepair(actual, written, drift, role);
    }
    return remember(written, actual);
  }

  /**
   * Runs a step whose write the API server may refuse: the refusal is already recorded in the run (conditions, Event,
   * retry with backoff), and the steps after it go on where that is safe.
   */
  static void refusable(Runnable step) {
    try {
      step.run();
    } catch (Refused refused) {
      // nothing moved, the next attempt comes with backoff
    }
  }

  /** Sets a Deployment's replica count when it differs (a color that no longer runs goes to zero). */
  Deployment scale(Deployment actual, int replicas) {
    if (actual == null || actual.getSpec() == null || Integer.valueOf(replicas).equals(actual.getSpec().getReplicas())) {
      return actual;
    }
    PatchContext patch = PatchContext.of(PatchType.JSON_MERGE);
    patch.setFieldManager(MANAGER);
    // on the cached object, not withName(): fabric8 GETs an object given only by name before patching it
    Deployment written = write(actual, "replicas=" + replicas, () -> client.apps().deployments().inNamespace(run.namespace())
        .resource(actual).patch(patch, "{\"spec\":{\"replicas\":" + replicas + "}}"));
    return remember(written, actual);
  }

  <T extends HasMetadata> T create(T desired) {
    return remember(write(desired, canonicalHash(desired), () -> client.resource(desired).create()), null);
  }

  /** Deletes an object Turnout no longer needs (a pruned ControllerRevision); gone already is fine. */
  void delete(HasMetadata object) {
    counter.write();
    client.resource(object).delete();
  }

  /** Whether this operator has seen the object before (in the cache or by writing it). */
  boolean seen(String kind, String name) {
    return history.wasSeen(kind + "/" + run.namespace() + "/" + name);
  }

  /** One write, with the refusals of the API server turned into {@link Refused} and retried with backoff. */
  private <T extends HasMetadata> T write(HasMetadata object, String desiredHash, Supplier<T> send) {
    String kind = object.getKind();
    String name = object.getMetadata().getName();
    String key = key(object);
    WriteHistory.Refusal waiting = history.waiting(key, desiredHash, run.now);
    if (waiting != null) {
      run.requeueAtMost(waiting.retryAt());
      throw refused(kind, name, waiting.message());
    }
    counter.write();
    try {
      T written = send.get();
      history.accepted(key);
      history.seen(key);
      LOG.debugf("%s/%s: wrote %s %s (%s) rv=%s", run.namespace(), run.release.getMetadata().getName(), kind, name,
          desiredHash, written == null ? null : written.getMetadata().getResourceVersion());
      return written;
    } catch (KubernetesClientException e) {
      // at debug: what a reconcile wrote and what failed is the trail to follow after a fault (TURNOUT_LOG_LEVEL=DEBUG, docs/troubleshooting.md)
      LOG.debugf("%s/%s: write of %s %s (%s) failed: %s %s", run.namespace(), run.release.getMetadata().getName(), kind, name,
          desiredHash, e.getCode(), WriteHistory.message(e));
      if (!WriteHistory.isRefusal(e)) {
        throw e;
      }
      String message = WriteHistory.message(e);
      String before = history.refused(key, desiredHash, message, run.now);
      run.requeueAtMost(history.waiting(key, desiredHash, run.now).retryAt());
      Refused r = refused(kind, name, message);
      boolean told = run.status.conditions.stream()
          .anyMatch(c -> "WriteRefused".equals(c.getReason()) && c.getMessage() != null && c.getMessage().contains(message));
      if (!message.equals(before) && !told) {
        events.warning(run.release, "WriteRefused", r.write.describe() + "; retried with backoff, traffic does not move");
      }
      LOG.infof("%s/%s: %s", run.namespace(), run.release.getMetadata().getName(), r.write.describe());
      throw r;
    }
  }

  private Refused refused(String kind, String name, String message) {
    ReleaseRun.RefusedWrite w = new ReleaseRun.RefusedWrite(kind, name, message);
    if (run.refusal(kind, name) == null) {
      run.refused.add(w);
    }
    return new Refused(w);
  }

  private void reportRepair(HasMetadata actual, HasMetadata written, FieldDrift.Difference drift, Role role) {
    String object = written.getKind() + " " + written.getMetadata().getName();
    if (actual == null && role.existed()) {
      events.warning(run.release, "DriftRepaired", object + " (" + role.description() + ") was deleted by a change Turnout"
          + " did not make; recreated as it was");
    } else if (drift != null && actual != null
        && !actual.getMetadata().getResourceVersion().equals(written.getMetadata().getResourceVersion())) {
      String manager = FieldDrift.manager(actual, drift, MANAGER);
      events.warning(run.release, "DriftRepaired", object + " (" + role.description() + ") was changed"
          + (manager == null ? "" : " by " + manager) + " at " + drift.path() + "; Turnout set back the fields it owns");
    }
  }

  /**
   * What must change before an object whose applied answer differed is compared again: its spec (generation), labels
   * or annotations; not its status, which controllers write all the time.
   */
  private static String unconvergedMarker(HasMetadata o) {
    return o.getMetadata().getUid() + "@" + o.getMetadata().getGeneration() + "@"
        + canonicalHash(java.util.Arrays.asList(o.getMetadata().getLabels(), o.getMetadata().getAnnotations()));
  }

  private String key(HasMetadata o) {
    return o.getKind() + "/" + run.namespace() + "/" + o.getMetadata().getName();
  }

  /** Hash of the desired object with its maps in key order, so that it does not depend on how the object was built. */
  static String canonicalHash(Object desired) {
    return OwnedObjects.hash(sorted(Serialization.jsonMapper().valueToTree(desired)));
  }

  private static JsonNode sorted(JsonNode node) {
    if (node.isObject()) {
      ObjectNode out = Serialization.jsonMapper().createObjectNode();
      Map<String, JsonNode> fields = new TreeMap<>();
      node.fields().forEachRemaining(e -> fields.put(e.getKey(), sorted(e.getValue())));
      fields.forEach(out::set);
      return out;
    }
    if (node.isArray()) {
      var out = Serialization.jsonMapper().createArrayNode();
      node.forEach(n -> out.add(sorted(n)));
      return out;
    }
    return node;
  }

  @SuppressWarnings("unchecked")
  private <T extends HasMetadata> T remember(T written, T previous) {
    if (written == null || written == previous) {
      return written;
    }
    run.snapshot.wrote(written);
    try {
      var source = (InformerEventSource<T, AppRelease>) context.eventSourceRetriever().getEventSourceFor(written.getClass());
      ResourceID id = ResourceID.fromResource(run.release);
      if (previous == null) {
        source.handleRecentResourceCreate(id, written);
      } else {
        source.handleRecentResourceUpdate(id, written, previous);
      }
    } catch (RuntimeException e) {
      LOG.debugf("could not prime the cache with %s %s: %s", written.getKind(), written.getMetadata().getName(), e.getMessage());
    }
    return written;
  }
}
