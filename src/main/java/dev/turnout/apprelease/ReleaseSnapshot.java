package dev.turnout.apprelease;

import dev.turnout.common.Labels;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything a reconcile of one release reads about the objects it owns, once, from the informer caches: the color
 * Deployments, the two Services, their EndpointSlices, the hook Jobs, the labels of its pods and the
 * ControllerRevisions recording what each revision runs. The parts of the release engine decide from
 * this and never read the API server for owned objects themselves. Writes made during the reconcile are recorded
 * here ({@link #wrote}) so that later steps see them.
 */
final class ReleaseSnapshot {
  private final Map<Color, Deployment> deployments = new EnumMap<>(Color.class);
  private final Map<String, Service> services = new HashMap<>();
  private final Map<String, List<EndpointSlice>> slices = new HashMap<>();
  private final Map<String, Job> jobs = new HashMap<>();
  private final Map<String, ControllerRevision> revisions = new HashMap<>();
  final ConfigResolver.ResolvedConfig config;
  /** The release's pods by name, as their labels say (see {@link ReleasePods}). */
  final Map<String, ReleasePods.PodLabels> pods;

  ReleaseSnapshot(AppRelease release, List<Deployment> deployments, List<Service> services, List<EndpointSlice> slices,
      List<Job> jobs, List<ControllerRevision> revisions, ConfigResolver.ResolvedConfig config,
      Map<String, ReleasePods.PodLabels> pods) {
    this.config = config;
    this.pods = pods;
    revisions.forEach(r -> this.revisions.put(r.getMetadata().getName(), r));
    for (Deployment d : deployments) {
      Color color = Color.parse(label(d, Labels.COLOR));
      if (color != null && d.getMetadata().getName().equals(release.deploymentName(color))) {
        this.deployments.put(color, d);
      }
    }
    services.forEach(s -> this.services.put(s.getMetadata().getName(), s));
    for (EndpointSlice s : slices) {
      String service = label(s, "kubernetes.io/service-name");
      if (service != null) {
        this.slices.computeIfAbsent(service, k -> new ArrayList<>()).add(s);
      }
    }
    jobs.forEach(j -> this.jobs.put(j.getMetadata().getName(), j));
  }

  static ReleaseSnapshot read(AppRelease release, Context<AppRelease> context, ConfigResolver.ResolvedConfig config,
      Map<String, ReleasePods.PodLabels> pods) {
    return new ReleaseSnapshot(release,
        List.copyOf(context.getSecondaryResources(Deployment.class)),
        List.copyOf(context.getSecondaryResources(Service.class)),
        List.copyOf(context.getSecondaryResources(EndpointSlice.class)),
        List.copyOf(context.getSecondaryResources(Job.class)),
        List.copyOf(context.getSecondaryResources(ControllerRevision.class)),
        config, pods);
  }

  Deployment deployment(Color color) {
    return color == null ? null : deployments.get(color);
  }

  Service service(String name) {
    return services.get(name);
  }

  List<EndpointSlice> slices(String service) {
    return slices.getOrDefault(service, List.of());
  }

  Job job(String name) {
    return jobs.get(name);
  }

  /** The ControllerRevision recording what a revision runs (see {@link RevisionTemplates}), or null. */
  ControllerRevision revision(String name) {
    return revisions.get(name);
  }

  List<ControllerRevision> revisions() {
    return List.copyOf(revisions.values());
  }

  /** Records an object this reconcile wrote, so that the following steps decide from it. */
  void wrote(HasMetadata written) {
    if (written instanceof Deployment d) {
      Color color = Color.parse(label(d, Labels.COLOR));
      if (color != null) {
        deployments.put(color, d);
      }
    } else if (written instanceof Service s) {
      services.put(s.getMetadata().getName(), s);
    } else if (written instanceof Job j) {
      jobs.put(j.getMetadata().getName(), j);
    } else if (written instanceof ControllerRevision r) {
      revisions.put(r.getMetadata().getName(), r);
    }
  }

  static String label(HasMetadata o, String key) {
    return o.getMetadata().getLabels() == null ? null : o.getMetadata().getLabels().get(key);
  }

  static String annotation(HasMetadata o, String key) {
    return o == null || o.getMetadata().getAnnotations() == null ? null : o.getMetadata().getAnnotations().get(key);
  }
}
