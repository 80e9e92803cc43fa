package dev.turnout.healthpolicy;

import dev.turnout.apprelease.AppRelease;
import dev.turnout.common.Labels;
import dev.turnout.healthpolicy.probe.CheckResult;
import dev.turnout.healthpolicy.probe.ProbeScheduler;
import dev.turnout.healthpolicy.probe.ProbeSnapshot;
import dev.turnout.healthpolicy.probe.RoundResult;
import dev.turnout.healthpolicy.probe.Target;
import dev.turnout.healthpolicy.probe.Targets;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.utils.Serialization;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.vertx.core.Vertx;
import jakarta.inject.Inject;
import java.time.Clock;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Pod readiness gates ({@code spec.readinessGate.conditionType}): every pod of a release whose spec carries the gate,
 * of both colors and any revision, is probed on its own, by pod IP (whether or not it is Ready yet, since the gate
 * itself holds Ready back), with the policy's per-pod checks (HTTP, TCP without host). Each pod is a probe key of its
 * own ({@code <namespace>/<release>/pods/<pod>}), so it has its own {@link GateState}; {@link PodGate} turns that state
 * into the pod's condition, and {@link PodConditionWriter} writes it when it changes.
 *
 * <p>Pods are found by labels ({@code app.kubernetes.io/instance} and {@code turnout.dev/color}) as the pod informer
 * sees them: a pod the ReplicaSet recreates is probed as soon as it runs, whatever the release is doing (paused,
 * reverted, a failed revision). A release's watch is (re)started by its reconciles and by {@link #discover}, which
 * every 10 s goes over all releases in the operator's cache, so it also covers paused releases (whose reconcile does
 * nothing) and an operator that restarted while a release was paused.
 *
 * <p>Dependency checks (TCP with a host, Prometheus) are not run here: they are about the release, not one pod, and
 * gate promotion through the pre- and post-promotion gates. A database that goes down never makes every pod unready at
 * once. A policy with a readiness gate but no per-pod check has no readiness gate (see {@link #hasPodChecks}).
 */
@ApplicationScoped
public class ReadinessGates {
  private static final Logger LOG = Logger.getLogger(ReadinessGates.class);
  static final String PODS = "/pods/";
  /** Why a readiness gate without per-pod checks is refused (CRD) or ignored (operator), naming the field. */
  static final String NEEDS_POD_CHECK = "spec.readinessGate: a readiness gate needs at least one per-pod check (http,"
      + " or tcp without host): tcp checks with a host and prometheus checks are dependency checks of the release and"
      + " say nothing about one pod";

  @Inject ProbeScheduler scheduler;
  @Inject HealthProbing probing;
  @Inject KubernetesClient client;
  @Inject Clock clock;
  @Inject Vertx vertx;

  /** A release's readiness gate, from its HealthPolicy; {@code podChecks} is the JSON of the per-pod checks' policy. */
  record Watch(String namespace, String release, String conditionType, String service, List<ServicePort> ports,
      String podChecks, boolean dryRun) {}

  /** A pod being probed: its uid (a new pod with the same name starts over) and the watch it was registered for. */
  private record Registered(String uid, Watch watch) {}

  private final ConcurrentHashMap<String, Watch> watches = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Long> ensured = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Registered> pods = new ConcurrentHashMap<>();
  private PodConditionWriter writer;
  /** The AppRelease controller's cache, for {@link #discover}; null before the controller registered its sources. */
  private volatile IndexerResourceCache<AppRelease> releases;

  @PostConstruct
  void init() {
    writer = new PodConditionWriter((ns, pod, patch) -> client.pods().inNamespace(ns).withName(pod).subresource("status")
        .patch(PatchContext.of(PatchType.JSON), patch), clock);
  }

  static boolean isKey(String key) {
    return key.contains(PODS);
  }

  /**
   * Whether {@code spec} has a check a readiness gate can run on each pod: HTTP, or TCP without host. Without one,
   * nothing would ever set the condition and the pods would never become ready, so such a policy gets no readiness gate
   * (the CRD refuses it; this is for CRDs installed without CEL).
   */
  static boolean hasPodChecks(HealthPolicySpec spec) {
    return spec.checks != null && spec.checks.stream().anyMatch(CheckSpec::isPerPod);
  }

  /**
   * The readiness gate's condition type for {@code release}'s pod template, or null for none; (re)starts probing its
   * pods. Reconcile or worker threads only (the first call for a namespace starts informers).
   */
  String ensure(AppRelease release) {
    String ns = release.getMetadata().getNamespace();
    String name = release.getMetadata().getName();
    HealthPolicy policy = release.getSpec() == null || release.getSpec().healthPolicyRef == null
        ? null : probing.policy(ns, release.getSpec().healthPolicyRef.name);
    if (policy == null || policy.getSpec() == null || policy.getSpec().readinessGate == null
        || !HealthPolicyReconciler.HealthPolicyValidation.problems(policy.getSpec()).isEmpty()
        || !hasPodChecks(policy.getSpec())) {
      forget(ns, name);
      return null;
    }
    HealthPolicySpec spec = policy.getSpec();
    HealthPolicySpec podChecks = Serialization.clone(spec);
    podChecks.checks = spec.checks.stream().filter(CheckSpec::isPerPod).toList();
    List<ServicePort> ports = release.getSpec().service == null || release.getSpec().service.ports == null
        ? List.of() : List.copyOf(release.getSpec().service.ports);
    Watch w = new Watch(ns, name, spec.readinessGate.conditionType, release.previewServiceName(), ports,
        Serialization.asJson(podChecks), Boolean.TRUE.equals(spec.dryRun));
    String key = key(ns, name);
    ensured.put(key, System.nanoTime());
    Watch old = watches.put(key, w);
    probing.startPods(ns, podEvents);
    if (!w.equals(old)) {
      probing.pods(ns, name).forEach(this::podChanged); // new or changed policy: (re)register the release's pods
    }
    return w.conditionType();
  }

  void forget(String ns, String release) {
    String key = key(ns, release);
    ensured.remove(key);
    if (watches.remove(key) != null) {
      pods.keySet().stream().filter(k -> k.startsWith(key + PODS)).toList().forEach(this::unregister);
    }
  }

  /** The AppRelease controller's cache of releases, which {@link #discoverSoon} goes over. */
  void releases(IndexerResourceCache<AppRelease> cache) {
    releases = cache;
  }

  /**
   * {@link #discover} over the controller's cache, on a worker thread (starting a namespace's informers blocks): a paused
   * release is not reconciled as far as its gate, yet the pods the kubelet recreates must get it. Called every 10 s.
   */
  void discoverSoon() {
    IndexerResourceCache<AppRelease> cache = releases;
    if (cache == null) {
      return;
    }
    long since = System.nanoTime();
    vertx.executeBlocking(() -> {
      try {
        discover(cache.list().toList(), since);
      } catch (RuntimeException e) {
        // e.g. a standby replica whose controller has not started its informers: nothing to discover yet
        LOG.debugf(e, "readiness gates: discovery failed; next try in 10 s");
      }
      return null;
    }, false);
  }

  /**
   * Restarts or drops the watch of every release in {@code releases} (the operator's cache of AppReleases) and forgets
   * the watches of releases that are gone. A watch ensured after {@code since} (a reconcile that ran meanwhile, on a
   * newer copy) is kept. Worker threads only.
   */
  void discover(Collection<AppRelease> releases, long since) {
    Map<String, AppRelease> byKey = releases.stream().collect(Collectors.toMap(
        r -> key(r.getMetadata().getNamespace(), r.getMetadata().getName()), r -> r, (a, b) -> a));
    byKey.values().forEach(this::ensure);
    watches.forEach((key, w) -> {
      if (!byKey.containsKey(key) && ensured.getOrDefault(key, 0L) < since) {
        forget(w.namespace(), w.release());
      }
    });
  }

  private static String key(String ns, String release) {
    return ns + "/" + release;
  }

  // ---- pods ----------------------------------------------------------------------------------------------

  private final ResourceEventHandler<Pod> podEvents = new ResourceEventHandler<>() {
    @Override
    public void onAdd(Pod pod) {
      podChanged(pod);
    }

    @Override
    public void onUpdate(Pod oldPod, Pod newPod) {
      podChanged(newPod);
    }

    @Override
    public void onDelete(Pod pod, boolean deletedFinalStateUnknown) {
      Map<String, String> labels = pod.getMetadata().getLabels();
      String release = labels == null ? null : labels.get(Labels.INSTANCE);
      if (release != null) {
        unregister(key(pod.getMetadata().getNamespace(), release) + PODS + pod.getMetadata().getName());
      }
      writer.forget(pod.getMetadata().getNamespace(), pod.getMetadata().getName());
    }
  };

  /** Registers or unregisters one pod's probing (informer thread or reconcile thread: only schedules). */
  private void podChanged(Pod pod) {
    Map<String, String> labels = pod.getMetadata().getLabels();
    String release = labels == null ? null : labels.get(Labels.INSTANCE);
    if (release == null) {
      return;
    }
    String podKey = key(pod.getMetadata().getNamespace(), release) + PODS + pod.getMetadata().getName();
    Watch w = watches.get(key(pod.getMetadata().getNamespace(), release));
    if (w == null || !gated(pod, w)) {
      unregister(podKey);
      return;
    }
    Registered now = new Registered(pod.getMetadata().getUid(), w);
    Registered before = pods.put(podKey, now);
    if (now.equals(before)) {
      return;
    }
    if (before != null && !Objects.equals(before.uid(), now.uid())) {
      scheduler.unregister(podKey); // another pod under the same name starts over
    }
    String podName = pod.getMetadata().getName();
    // an equal policy keeps the pod's state; a changed one starts it over from Unknown (its condition stays meanwhile)
    scheduler.register(podKey, Serialization.unmarshal(w.podChecks(), HealthPolicySpec.class), () -> target(w, podName),
        (k, previous, current) -> {});
  }

  /** Whether {@code pod} is one of {@code w}'s to probe: running, with an IP, and carrying the gate in its spec. */
  static boolean gated(Pod pod, Watch w) {
    return pod.getMetadata().getDeletionTimestamp() == null && pod.getSpec() != null
        && pod.getSpec().getReadinessGates() != null
        && pod.getSpec().getReadinessGates().stream().anyMatch(g -> w.conditionType().equals(g.getConditionType()))
        && pod.getStatus() != null && pod.getStatus().getPodIP() != null && "Running".equals(pod.getStatus().getPhase());
  }

  private void unregister(String podKey) {
    if (pods.remove(podKey) != null) {
      scheduler.unregister(podKey);
    }
  }

  /** Runs on the event loop: the pod, from the informer cache, as the one endpoint of its own rounds. */
  private Target target(Watch w, String podName) {
    Pod p = probing.pod(w.namespace(), podName);
    return Targets.ofPod(w.namespace(), w.service(), w.ports(), p != null && gated(p, w) ? p : null);
  }

  /** After each round of a pod's key (event loop): decides the pod's condition and hands a change to the writer. */
  void roundDone(String podKey, RoundResult round) {
    Registered r = pods.get(podKey);
    ProbeSnapshot snap = scheduler.snapshot(podKey).orElse(null);
    if (r == null || snap == null) {
      return;
    }
    Watch w = r.watch();
    if (!w.equals(watches.get(key(w.namespace(), w.release())))) {
      unregister(podKey); // the release's watch was dropped or changed while this pod was being registered
      return;
    }
    Pod pod = probing.pod(w.namespace(), podKey.substring(podKey.indexOf(PODS) + PODS.length()));
    if (pod == null || !r.uid().equals(pod.getMetadata().getUid()) || !gated(pod, w)) {
      return;
    }
    PodCondition current = PodGate.find(pod.getStatus().getConditions(), w.conditionType());
    PodGate.decide(snap.gate(), w.dryRun(), current, failures(round))
        .ifPresent(v -> writer.write(pod, w.conditionType(), v));
  }

  /** What failed in a pod's round, e.g. {@code api: GET /api/v1/health on 10.244.0.7:8000: 503 (expected 200)}. */
  static String failures(RoundResult round) {
    String s = round.results().stream().filter(c -> !c.passed())
        .map(c -> c.name() + ": " + c.endpoints().stream().filter(e -> !e.passed()).map(CheckResult.EndpointResult::message)
            .findFirst().orElse(c.message()))
        .collect(Collectors.joining("; "));
    return s.isEmpty() ? "no check failed in the last round" : s;
  }

  @PreDestroy
  void stop() {
    writer.close();
  }
}
