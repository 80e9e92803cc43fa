package dev.turnout.sim;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Plays the garbage collector with background cascading deletion: when an object is deleted, the
 * objects listing its uid in ownerReferences are deleted too, unless another owner of theirs still
 * exists. Objects without owner references are never touched. Only kinds the simulator watches
 * take part (see {@link ClusterSimulator}).
 */
final class GarbageCollector {
  private final KubernetesClient client;
  private final SimLoop loop;
  private final List<SharedIndexInformer<? extends HasMetadata>> informers = new CopyOnWriteArrayList<>();
  /** Uids of deleted objects, to also catch dependents created just after their owner went. */
  private final Set<String> deleted = ConcurrentHashMap.newKeySet();

  GarbageCollector(KubernetesClient client, SimLoop loop) {
    this.client = client;
    this.loop = loop;
  }

  void watch(SharedIndexInformer<? extends HasMetadata> informer) {
    informers.add(informer);
  }

  void deleted(HasMetadata owner) {
    String uid = owner.getMetadata().getUid();
    deleted.add(uid);
    loop.submit(owner.getMetadata().getNamespace(), "gc/" + uid,
        () -> informers.forEach(informer -> informer.getStore().list().stream()
            .filter(d -> Selectors.isOwnedBy(d, uid))
            .forEach(this::collectIfOrphan)));
  }

  void added(HasMetadata dependent) {
    if (dependent.getMetadata().getOwnerReferences().stream().anyMatch(r -> deleted.contains(r.getUid()))) {
      loop.submit(dependent.getMetadata().getNamespace(), "gc-dependent/" + dependent.getMetadata().getUid(),
          () -> collectIfOrphan(dependent));
    }
  }

  private void collectIfOrphan(HasMetadata dependent) {
    List<OwnerReference> owners = dependent.getMetadata().getOwnerReferences();
    if (owners.isEmpty() || owners.stream().anyMatch(r -> !deleted.contains(r.getUid()) && exists(r.getUid()))) {
      return;
    }
    client.resource(dependent).delete();
  }

  private boolean exists(String uid) {
    return informers.stream().anyMatch(i -> i.getStore().list().stream()
        .anyMatch(o -> uid.equals(o.getMetadata().getUid())));
  }
}
