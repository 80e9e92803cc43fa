package dev.turnout.sim;

import com.sun.net.httpserver.HttpHandler;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Plays the parts of a Kubernetes cluster the fabric8 CRUD mock lacks - Deployment controller and
 * kubelet, EndpointSlice controller, Job and CronJob controllers, garbage collector - by watching
 * and writing objects through an ordinary client, as the real ones do. It contains no operator
 * logic: whatever runs against the same API server sees a cluster that behaves.
 *
 * <p>All work runs asynchronously and is idempotent, one item at a time per namespace (see {@link SimLoop}); tests
 * wait with Awaitility.
 */
public final class ClusterSimulator implements AutoCloseable {
  private final KubernetesClient client;
  private final SimLoop loop = new SimLoop();
  private final ReadinessRules readiness = new ReadinessRules();
  private final AppEndpoints appEndpoints = new AppEndpoints();
  private final JobRules jobRules = new JobRules();
  private final Kubelet kubelet;
  private final DeploymentController deployments;
  private final EndpointSliceController endpointSlices;
  private final JobController jobs;
  private final CronJobController cronJobs;
  private final GarbageCollector gc;
  private final List<SharedIndexInformer<?>> informers = new CopyOnWriteArrayList<>();
  private final Set<String> informedCrds = ConcurrentHashMap.newKeySet();
  private SharedIndexInformer<Service> services;
  private SharedIndexInformer<Pod> pods;
  /** The fake node on the real control plane; null on the embedded cluster. */
  private final String node;
  private final JobPods jobPods;

  private ClusterSimulator(KubernetesClient client, Clock clock, Duration readyDelay, String node) {
    this.client = client;
    this.node = node;
    this.jobPods = node == null ? null : new JobPods(client, loop, clock, jobRules);
    this.kubelet = new Kubelet(client, loop, readiness, appEndpoints, clock, readyDelay, node, jobPods);
    this.deployments = new DeploymentController(client, loop, clock);
    this.endpointSlices = new EndpointSliceController(client, loop, ns -> services.getStore().list().stream()
        .filter(s -> ns.equals(s.getMetadata().getNamespace())).toList());
    this.jobs = new JobController(client, loop, clock, jobRules);
    this.cronJobs = new CronJobController(client, loop, clock);
    this.gc = new GarbageCollector(client, loop);
  }

  /** Starts with the system clock and pods becoming Ready 200 ms after creation. */
  public static ClusterSimulator start(KubernetesClient client) {
    return builder(client).start();
  }

  public static Builder builder(KubernetesClient client) {
    return new Builder(client);
  }

  /** Rules deciding how Jobs end: {@code jobs().whenName("hook").after(ofSeconds(1)).fail("X")}. */
  public JobRules jobs() {
    return jobRules;
  }

  /** Fires CronJob schedules: {@code cronJobs().trigger(namespace, name)}. */
  public CronJobController cronJobs() {
    return cronJobs;
  }

  /**
   * Makes the pods matching the selector in the namespace, now and later ones, Ready or not Ready
   * (as a readiness probe would); pod conditions, Deployment status and EndpointSlices follow.
   */
  public void setReady(String namespace, Map<String, String> selector, boolean ready) {
    readiness.add(namespace, selector, ready);
    pods.getStore().list().stream()
        .filter(p -> Selectors.matches(namespace, selector, p))
        .forEach(p -> kubelet.enqueue(namespace, p.getMetadata().getName()));
  }

  /**
   * Makes one pod Ready or not Ready, as its own failing (or recovered) readiness probe would: the other pods of its
   * Deployment keep their readiness. The newest rule wins, so a later {@link #setReady} covering the pod overrides it.
   */
  public void setPodReady(String namespace, String podName, boolean ready) {
    readiness.addPod(namespace, podName, ready);
    kubelet.enqueue(namespace, podName);
  }

  /**
   * Serves HTTP for the pods matching the selector: on each pod's IP and container ports, with
   * this handler (the newest matching {@code serve} wins, checked at every request, so calling it
   * again swaps the handler at once). Servers stop when their pod is deleted.
   */
  public void serve(String namespace, Map<String, String> selector, HttpHandler handler) {
    appEndpoints.serve(namespace, selector, handler);
    pods.getStore().list().stream()
        .filter(p -> Selectors.matches(namespace, selector, p))
        .forEach(p -> kubelet.enqueue(namespace, p.getMetadata().getName()));
  }

  /** The ready endpoints (pod IP and resolved port of the Service's first port) of a Service. */
  public List<InetSocketAddress> readyEndpoints(String namespace, String service) {
    return readyEndpoints(namespace, service, null);
  }

  /** As {@link #readyEndpoints(String, String)}, for the Service port with this name. */
  public List<InetSocketAddress> readyEndpoints(String namespace, String service, String portName) {
    // by the label every EndpointSlice controller sets: the real one names slices <service>-<random>, and may
    // split a Service's endpoints over several slices
    return client.discovery().v1().endpointSlices().inNamespace(namespace)
        .withLabel(EndpointSliceController.SERVICE_NAME, service).list().getItems().stream()
        .flatMap(slice -> {
          Integer port = slice.getPorts().stream()
              .filter(p -> portName == null || portName.equals(p.getName()))
              .map(EndpointPort::getPort).filter(java.util.Objects::nonNull).findFirst().orElse(null);
          return port == null ? java.util.stream.Stream.<InetSocketAddress>empty() : slice.getEndpoints().stream()
              .filter(e -> Boolean.TRUE.equals(e.getConditions().getReady()))
              .map(e -> new InetSocketAddress(e.getAddresses().get(0), port));
        })
        .toList();
  }

  /** http://ip:port/path of the first ready endpoint of a Service; fails if there is none. */
  public URI url(String namespace, String service, String path) {
    List<InetSocketAddress> ready = readyEndpoints(namespace, service);
    if (ready.isEmpty()) {
      throw new IllegalStateException("Service " + namespace + "/" + service + " has no ready endpoint");
    }
    InetSocketAddress first = ready.get(0);
    return URI.create("http://" + first.getHostString() + ":" + first.getPort() + path);
  }

  /**
   * On the real control plane: kube-controller-manager runs the Deployment, ReplicaSet, EndpointSlice, Job,
   * CronJob and garbage-collector controllers; only the node's part (scheduling, pod status, the pods' HTTP
   * servers, Job pods' runs) is played here, on one fake Ready node.
   */
  private ClusterSimulator startKubeletOnly() {
    Kubelet.useHostIp(HOST_IP);
    PodIps.usePrefix("10.244");
    client.nodes().resource(new io.fabric8.kubernetes.api.model.NodeBuilder()
        .withNewMetadata().withName(node).addToLabels("kubernetes.io/hostname", node).endMetadata()
        .build()).serverSideApply();
    var n = client.nodes().withName(node).get();
    String now = java.time.Instant.now().toString();
    n.setStatus(new io.fabric8.kubernetes.api.model.NodeStatusBuilder()
        .addNewCondition().withType("Ready").withStatus("True").withReason("KubeletReady")
        .withLastHeartbeatTime(now).withLastTransitionTime(now).endCondition()
        .addNewAddress().withType("InternalIP").withAddress(HOST_IP).endAddress()
        .addToCapacity("pods", new io.fabric8.kubernetes.api.model.Quantity("1000"))
        .addToAllocatable("pods", new io.fabric8.kubernetes.api.model.Quantity("1000"))
        .build());
    client.nodes().resource(n).updateStatus();
    pods = inform(client.pods().inAnyNamespace().inform(handler(
        pod -> kubelet.enqueue(pod.getMetadata().getNamespace(), pod.getMetadata().getName()),
        kubelet::podDeleted)));
    services = inform(client.services().inAnyNamespace().inform(handler(s -> { }, s -> { })));
    return this;
  }

  /** The fake node's address on the real control plane (added to lo in the test's network namespace). */
  static final String HOST_IP = "10.243.0.1";

  private ClusterSimulator startInformers() {
    pods = inform(client.pods().inAnyNamespace().inform(handler(
        pod -> {
          kubelet.enqueue(pod.getMetadata().getNamespace(), pod.getMetadata().getName());
          deployments.podChanged(pod);
          endpointSlices.podsChanged(pod.getMetadata().getNamespace());
          gc.added(pod);
        },
        pod -> {
          kubelet.podDeleted(pod);
          deployments.podChanged(pod);
          endpointSlices.podsChanged(pod.getMetadata().getNamespace());
        })));
    services = inform(client.services().inAnyNamespace().inform(handler(
        service -> {
          endpointSlices.enqueue(service.getMetadata().getNamespace(), service.getMetadata().getName());
          gc.added(service);
        },
        service -> { })));
    inform(client.apps().deployments().inAnyNamespace().inform(handler(
        d -> {
          deployments.enqueue(d.getMetadata().getNamespace(), d.getMetadata().getName());
          gc.added(d);
        },
        d -> { })));
    inform(client.batch().v1().jobs().inAnyNamespace().inform(handler(
        job -> {
          jobs.enqueue(job.getMetadata().getNamespace(), job.getMetadata().getName());
          cronJobs.jobChanged(job);
          gc.added(job);
        },
        job -> {
          jobs.forget(job);
          cronJobs.jobChanged(job);
        })));
    inform(client.batch().v1().cronjobs().inAnyNamespace().inform(handler(gc::added, c -> { })));
    inform(client.discovery().v1().endpointSlices().inAnyNamespace().inform(handler(gc::added, s -> { })));
    inform(client.apps().replicaSets().inAnyNamespace().inform(handler(gc::added, s -> { })));
    inform(client.configMaps().inAnyNamespace().inform(handler(gc::added, s -> { })));
    inform(client.secrets().inAnyNamespace().inform(handler(gc::added, s -> { })));
    inform(client.persistentVolumeClaims().inAnyNamespace().inform(handler(gc::added, s -> { })));
    inform(client.serviceAccounts().inAnyNamespace().inform(handler(gc::added, s -> { })));
    // Custom resources (the operator's own kinds) can own objects too: watch each CRD's kind.
    informers.add(client.apiextensions().v1().customResourceDefinitions().inform(
        handler(this::informCustomResources, crd -> { })));
    return this;
  }

  private void informCustomResources(CustomResourceDefinition crd) {
    if (!informedCrds.add(crd.getMetadata().getName())) {
      return;
    }
    ResourceDefinitionContext context = CustomResourceDefinitionContext.fromCrd(crd);
    SharedIndexInformer<GenericKubernetesResource> informer = client.genericKubernetesResources(context)
        .inAnyNamespace().runnableInformer(0);
    informer.addEventHandler(handler(gc::added, r -> { }));
    gc.watch(informer);
    informers.add(informer);
    informer.start();
  }

  private <T extends HasMetadata> SharedIndexInformer<T> inform(SharedIndexInformer<T> informer) {
    informers.add(informer);
    if (node == null) {
      gc.watch(informer);
    }
    return informer;
  }

  /** Every informer feeds deletions to the garbage collector; the rest is per kind. */
  private <T extends HasMetadata> ResourceEventHandler<T> handler(Consumer<T> upsert, Consumer<T> delete) {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(T obj) {
        upsert.accept(obj);
      }

      @Override
      public void onUpdate(T oldObj, T newObj) {
        upsert.accept(newObj);
      }

      @Override
      public void onDelete(T obj, boolean deletedFinalStateUnknown) {
        delete.accept(obj);
        if (node == null) {
          gc.deleted(obj);
        }
      }
    };
  }

  @Override
  public void close() {
    informers.forEach(SharedIndexInformer::close);
    loop.close();
    jobs.close();
    if (jobPods != null) {
      jobPods.close();
    }
    appEndpoints.close();
  }

  /** Options; the defaults suit fast tests. */
  public static final class Builder {
    private final KubernetesClient client;
    private Clock clock = Clock.systemUTC();
    private Duration readyDelay = Duration.ofMillis(200);
    private String node;

    private Builder(KubernetesClient client) {
      this.client = client;
    }

    /** Time source for status timestamps, CronJob schedule times and delays measured by it. */
    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /** How long a new pod takes to become Ready. */
    public Builder readyDelay(Duration readyDelay) {
      this.readyDelay = readyDelay;
      return this;
    }

    /**
     * For a real control plane (kube-apiserver and kube-controller-manager): play only one node named so, with
     * pod IPs in 10.244.0.0/16 (see scripts/netns/bin/java).
     */
    public Builder realControlPlaneNode(String nodeName) {
      this.node = nodeName;
      return this;
    }

    public ClusterSimulator start() {
      ClusterSimulator sim = new ClusterSimulator(client, clock, readyDelay, node);
      return node == null ? sim.startInformers() : sim.startKubeletOnly();
    }
  }
}
