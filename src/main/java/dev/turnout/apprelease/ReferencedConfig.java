package dev.turnout.apprelease;

import dev.turnout.common.InformerScopes;
import dev.turnout.common.ReconcileTrigger;
import dev.turnout.common.StrippedStore;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.FilterWatchListDeletable;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The Secrets and ConfigMaps that pod templates of releases use, read from informer caches instead of a GET per
 * reference per reconcile: an unchanged release reads nothing from the API server, and a change of a referenced
 * object's data reconciles the releases of its namespace that use it (a new revision) at once.
 *
 * <p>Memory and exposure: the caches keep, per object, its metadata and one SHA-256 digest per data key, never the
 * values; Secrets of types a pod template never uses and that are most of a namespace's Secrets (Helm release
 * records, service-account tokens) are not even listed (a field selector on type). The informers start on the first
 * release that references a Secret or ConfigMap, cluster-wide or per watched namespace as the controllers are (a
 * namespaced Role cannot list cluster-wide). They are fabric8 informers of this bean rather than JOSDK informer event
 * sources because JOSDK hands one item store to all the informers of a list of namespaces, and a relist of one
 * namespace would then drop the others' items.
 */
@ApplicationScoped
public class ReferencedConfig {
  /** Secret types a pod template does not reference and that clusters hold many (and large) of. */
  static final List<String> UNWATCHED_SECRET_TYPES = List.of("helm.sh/release.v1", "kubernetes.io/service-account-token");

  @Inject KubernetesClient client;

  /** Same setting as the controllers': JOSDK_ALL_NAMESPACES (cluster-wide informers) or a list of namespaces. */
  @ConfigProperty(name = "quarkus.operator-sdk.namespaces", defaultValue = "JOSDK_ALL_NAMESPACES")
  String watchedNamespaces;

  private final ReconcileTrigger<AppRelease> trigger = new ReconcileTrigger<>("referenced-config-changes");
  private volatile IndexerResourceCache<AppRelease> releases;
  private volatile InformerScopes<Scope> scopes;

  private record Scope(SharedIndexInformer<Secret> secrets, SharedIndexInformer<ConfigMap> configMaps) {}

  /** The event source that reconciles releases when an object they use changes; registered by the controller. */
  EventSource<?, AppRelease> eventSource(EventSourceContext<AppRelease> context) {
    releases = context.getPrimaryCache();
    return trigger;
  }

  /**
   * Digest per data key of a Secret or ConfigMap (binaryData too), or null when it does not exist. The first call for
   * a namespace starts its informers and waits for their first list (reconcile threads only).
   */
  Map<String, String> digests(ConfigReferences.Kind kind, String namespace, String name) {
    Scope sc = start(namespace);
    HasMetadata cached = kind == ConfigReferences.Kind.Secret
        ? sc.secrets().getStore().getByKey(Cache.namespaceKeyFunc(namespace, name))
        : sc.configMaps().getStore().getByKey(Cache.namespaceKeyFunc(namespace, name));
    return cached == null ? null : data(cached);
  }

  private Scope start(String namespace) {
    if (scopes == null) {
      synchronized (this) {
        if (scopes == null) {
          scopes = new InformerScopes<>(watchedNamespaces, this::inform);
        }
      }
    }
    return scopes.start(namespace);
  }

  /** Starts the informers of the whole cluster (namespace null) or of one namespace. */
  private Scope inform(String namespace) {
    FilterWatchListDeletable<Secret, ?, ?> secrets = namespace == null ? client.secrets().inAnyNamespace() : client.secrets().inNamespace(namespace);
    for (String type : UNWATCHED_SECRET_TYPES) {
      secrets = secrets.withoutField("type", type);
    }
    var configMaps = namespace == null ? client.configMaps().inAnyNamespace() : client.configMaps().inNamespace(namespace);
    return new Scope(inform(secrets.runnableInformer(0), ConfigReferences.Kind.Secret, ReferencedConfig::digestOnly),
        inform(configMaps.runnableInformer(0), ConfigReferences.Kind.ConfigMap, ReferencedConfig::digestOnly));
  }

  private <T extends HasMetadata> SharedIndexInformer<T> inform(SharedIndexInformer<T> informer, ConfigReferences.Kind kind,
      UnaryOperator<T> strip) {
    informer.itemStore(new StrippedStore<>(strip));
    informer.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onAdd(T obj) {
        changed(kind, obj);
      }

      @Override
      public void onUpdate(T oldObj, T newObj) {
        // the old object comes from the store (digests), the new one from the API server (values)
        if (!Objects.equals(data(oldObj), digests(newObj))) {
          changed(kind, newObj);
        }
      }

      @Override
      public void onDelete(T obj, boolean deletedFinalStateUnknown) {
        changed(kind, obj);
      }
    });
    try {
      informer.start().toCompletableFuture().get(2, TimeUnit.MINUTES);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while listing " + kind + "s", e);
    } catch (Exception e) {
      informer.close();
      throw new IllegalStateException("could not list and watch " + kind + "s: " + e.getMessage(), e);
    }
    return informer;
  }

  /** Reconciles the releases of the object's namespace whose pod template uses it. */
  private void changed(ConfigReferences.Kind kind, HasMetadata obj) {
    IndexerResourceCache<AppRelease> cache = releases;
    if (cache == null) {
      return;
    }
    String ns = obj.getMetadata().getNamespace();
    String name = obj.getMetadata().getName();
    cache.list(ns, ar -> ar.getSpec() != null && ConfigReferences.of(ar.getSpec().template).stream()
            .anyMatch(r -> r.kind() == kind && name.equals(r.name())))
        .forEach(ar -> trigger.fire(ns, ar.getMetadata().getName()));
  }

  /** The data of an object as the store keeps it: key to digest. */
  private static Map<String, String> data(HasMetadata stored) {
    Map<String, String> d = stored instanceof Secret s ? s.getData() : ((ConfigMap) stored).getData();
    return d == null ? Map.of() : d;
  }

  /** Key to SHA-256 digest (hex, 16 characters) of each value: Secret data, ConfigMap data and binaryData. */
  static Map<String, String> digests(HasMetadata obj) {
    TreeMap<String, String> out = new TreeMap<>();
    if (obj instanceof Secret s) {
      put(out, s.getData());
      put(out, s.getStringData());
    } else if (obj instanceof ConfigMap c) {
      put(out, c.getData());
      put(out, c.getBinaryData());
    }
    return out;
  }

  private static void put(Map<String, String> out, Map<String, String> values) {
    if (values != null) {
      values.forEach((k, v) -> out.put(k, ConfigResolver.sha(Objects.toString(v, ""))));
    }
  }

  private static ObjectMeta meta(HasMetadata obj) {
    ObjectMeta m = new ObjectMeta();
    m.setName(obj.getMetadata().getName());
    m.setNamespace(obj.getMetadata().getNamespace());
    m.setUid(obj.getMetadata().getUid());
    m.setResourceVersion(obj.getMetadata().getResourceVersion());
    return m;
  }

  private static Secret digestOnly(Secret obj) {
    Secret s = new Secret();
    s.setMetadata(meta(obj));
    s.setType(obj.getType());
    s.setData(digests(obj));
    return s;
  }

  private static ConfigMap digestOnly(ConfigMap obj) {
    ConfigMap c = new ConfigMap();
    c.setMetadata(meta(obj));
    c.setData(digests(obj));
    return c;
  }

  @PreDestroy
  void stop() {
    if (scopes != null) {
      scopes.close(sc -> {
        sc.secrets().close();
        sc.configMaps().close();
      });
    }
  }
}
