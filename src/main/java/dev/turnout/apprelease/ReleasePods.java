package dev.turnout.apprelease;

import dev.turnout.common.InformerScopes;
import dev.turnout.common.Labels;
import dev.turnout.common.ReconcileTrigger;
import dev.turnout.common.StrippedStore;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Which release, color and revision a pod belongs to, from its labels: what tells the pods behind an EndpointSlice
 * endpoint (its targetRef names a pod) apart. Pod names cannot: they are {@code <replicaset>-<5 random>} with the
 * generateName base cut to 58 characters by the API server, so with a long release name a pod's name need not start
 * with its Deployment's name, and the pods of both colors can share a prefix.
 *
 * <p>An informer on the pods that carry both {@code app.kubernetes.io/instance} and {@code turnout.dev/color} (the
 * labels Turnout puts on every pod template it writes), so memory grows with the releases' pods only, and its store
 * keeps their name and labels, nothing else. A pod created or deleted reconciles its release (an endpoint may name it
 * before the cache has it: the release waits for that event rather than guess). Started on first use, cluster-wide or
 * per watched namespace as the controllers are.
 */
@ApplicationScoped
public class ReleasePods {
  static final String SELECTOR = Labels.INSTANCE + "," + Labels.COLOR;
  private static final String BY_RELEASE = "release";

  /** What a pod's labels say; null fields when a label is missing. */
  public record PodLabels(String release, Color color, String revision) {}

  @Inject KubernetesClient client;

  @ConfigProperty(name = "quarkus.operator-sdk.namespaces", defaultValue = "JOSDK_ALL_NAMESPACES")
  String watchedNamespaces;

  private final ReconcileTrigger<AppRelease> trigger = new ReconcileTrigger<>("release-pods");
  private volatile InformerScopes<SharedIndexInformer<Pod>> scopes;

  EventSource<?, AppRelease> eventSource() {
    return trigger;
  }

  /** The pods of a release by name, from the cache (started, and listed, on first use; reconcile threads only). */
  Map<String, PodLabels> of(String namespace, String release) {
    Map<String, PodLabels> pods = new HashMap<>();
    for (Pod p : scopes().start(namespace).getIndexer().byIndex(BY_RELEASE, namespace + "/" + release)) {
      pods.put(p.getMetadata().getName(), labels(p));
    }
    return pods;
  }

  /** A pod's labels from the cache, or null when it is not (or not yet) known; never blocks. */
  public PodLabels pod(String namespace, String name) {
    SharedIndexInformer<Pod> informer = scopes == null ? null : scopes.get(namespace);
    Pod p = informer == null ? null : informer.getStore().getByKey(Cache.namespaceKeyFunc(namespace, name));
    return p == null ? null : labels(p);
  }

  private InformerScopes<SharedIndexInformer<Pod>> scopes() {
    if (scopes == null) {
      synchronized (this) {
        if (scopes == null) {
          scopes = new InformerScopes<>(watchedNamespaces, this::inform);
        }
      }
    }
    return scopes;
  }

  private SharedIndexInformer<Pod> inform(String namespace) {
    SharedIndexInformer<Pod> informer = (namespace == null ? client.pods().inAnyNamespace() : client.pods().inNamespace(namespace))
        .withLabelSelector(SELECTOR).runnableInformer(0);
    informer.itemStore(new StrippedStore<>(ReleasePods::nameAndLabels));
    informer.addIndexers(Map.of(BY_RELEASE, p -> List.of(p.getMetadata().getNamespace() + "/" + label(p, Labels.INSTANCE))));
    informer.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Pod pod) {
        fire(pod);
      }

      @Override
      public void onUpdate(Pod oldPod, Pod newPod) {
        // readiness and IPs reach the release through its EndpointSlices and Deployments; only labels matter here
        if (!Objects.equals(oldPod.getMetadata().getLabels(), newPod.getMetadata().getLabels())) {
          fire(newPod);
        }
      }

      @Override
      public void onDelete(Pod pod, boolean deletedFinalStateUnknown) {
        fire(pod);
      }
    });
    try {
      informer.start().toCompletableFuture().get(2, TimeUnit.MINUTES);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while listing pods", e);
    } catch (Exception e) {
      informer.close();
      throw new IllegalStateException("could not list and watch pods: " + e.getMessage(), e);
    }
    return informer;
  }

  private void fire(Pod pod) {
    String release = label(pod, Labels.INSTANCE);
    if (release != null) {
      trigger.fire(pod.getMetadata().getNamespace(), release);
    }
  }

  private static PodLabels labels(Pod p) {
    return new PodLabels(label(p, Labels.INSTANCE), Color.parse(label(p, Labels.COLOR)), label(p, Labels.REVISION));
  }

  private static String label(Pod p, String key) {
    return p.getMetadata().getLabels() == null ? null : p.getMetadata().getLabels().get(key);
  }

  private static Pod nameAndLabels(Pod p) {
    ObjectMeta m = new ObjectMeta();
    m.setName(p.getMetadata().getName());
    m.setNamespace(p.getMetadata().getNamespace());
    m.setUid(p.getMetadata().getUid());
    m.setResourceVersion(p.getMetadata().getResourceVersion());
    m.setLabels(p.getMetadata().getLabels());
    Pod stripped = new Pod();
    stripped.setMetadata(m);
    return stripped;
  }

  @PreDestroy
  void stop() {
    if (scopes != null) {
      scopes.close(SharedIndexInformer::close);
    }
  }
}
