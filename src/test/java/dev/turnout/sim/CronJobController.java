package dev.turnout.sim;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobStatus;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Plays the CronJob controller, except that time does not trigger it: a test calls
 * {@link #trigger} to say "the schedule fired now". It then creates the Job the real controller
 * would (name, owner, scheduled-timestamp annotation), honours suspend and concurrencyPolicy
 * Forbid, keeps status (lastScheduleTime, lastSuccessfulTime, active) and prunes finished Jobs
 * beyond the history limits.
 */
public final class CronJobController {
  static final String SCHEDULED_TIMESTAMP = "batch.kubernetes.io/cronjob-scheduled-timestamp";

  private final KubernetesClient client;
  private final SimLoop loop;
  private final Clock clock;

  CronJobController(KubernetesClient client, SimLoop loop, Clock clock) {
    this.client = client;
    this.loop = loop;
    this.clock = clock;
  }

  /**
   * A scheduled run at the clock's current minute. Returns the Job (the existing one if this
   * minute already ran), or empty if the CronJob is missing, suspended, or Forbid with a Job active.
   */
  public Optional<Job> trigger(String namespace, String name) {
    CronJob cronJob = client.batch().v1().cronjobs().inNamespace(namespace).withName(name).get();
    if (cronJob == null || Boolean.TRUE.equals(cronJob.getSpec().getSuspend())) {
      return Optional.empty();
    }
    List<Job> owned = ownedJobs(cronJob);
    if ("Forbid".equals(cronJob.getSpec().getConcurrencyPolicy())
        && owned.stream().anyMatch(j -> !JobController.isFinished(j))) {
      return Optional.empty();
    }
    Instant scheduled = clock.instant().truncatedTo(ChronoUnit.MINUTES);
    String jobName = name + "-" + scheduled.getEpochSecond() / 60;
    Job existing = client.batch().v1().jobs().inNamespace(namespace).withName(jobName).get();
    if (existing != null) {
      return Optional.of(existing);
    }
    Job job = client.resource(jobFor(cronJob, jobName, scheduled)).create();
    // Read-modify-write on a fresh copy, again on 409 as the real CronJob controller requeues on a conflict: the
    // operator may update the CronJob at the same moment (this once made DatabaseBackupLifecycleTest flaky).
    for (int attempt = 1; ; attempt++) {
      try {
        client.batch().v1().cronjobs().inNamespace(namespace).withName(name).editStatus(c -> {
          CronJobStatus status = Objects.requireNonNullElseGet(c.getStatus(), CronJobStatus::new);
          status.setLastScheduleTime(scheduled.toString());
          status.getActive().add(reference(job));
          c.setStatus(status);
          return c;
        });
        return Optional.of(job);
      } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
        if (e.getCode() != java.net.HttpURLConnection.HTTP_CONFLICT || attempt >= 10) {
          throw e;
        }
      }
    }
  }

  private Job jobFor(CronJob cronJob, String jobName, Instant scheduled) {
    ObjectMeta templateMeta = Objects.requireNonNullElseGet(cronJob.getSpec().getJobTemplate().getMetadata(),
        ObjectMeta::new);
    Map<String, String> annotations = new HashMap<>(Objects.requireNonNullElse(templateMeta.getAnnotations(), Map.of()));
    annotations.put(SCHEDULED_TIMESTAMP, scheduled.toString());
    Job job = new Job();
    job.setMetadata(new ObjectMeta());
    job.getMetadata().setName(jobName);
    job.getMetadata().setNamespace(cronJob.getMetadata().getNamespace());
    job.getMetadata().setLabels(templateMeta.getLabels());
    job.getMetadata().setAnnotations(annotations);
    job.getMetadata().setOwnerReferences(List.of(Selectors.controllerRef(cronJob)));
    job.setSpec(Serialization.clone(cronJob.getSpec().getJobTemplate().getSpec()));
    return job;
  }

  /** A Job owned by a CronJob changed: refresh the CronJob's status and history. */
  void jobChanged(Job job) {
    job.getMetadata().getOwnerReferences().stream()
        .filter(ref -> "CronJob".equals(ref.getKind()))
        .forEach(ref -> {
          String namespace = job.getMetadata().getNamespace();
          loop.submit(namespace, "cronjob/" + namespace + "/" + ref.getName(), () -> reconcile(namespace, ref.getName()));
        });
  }

  private void reconcile(String namespace, String name) {
    CronJob cronJob = client.batch().v1().cronjobs().inNamespace(namespace).withName(name).get();
    if (cronJob == null) {
      return;
    }
    List<Job> owned = ownedJobs(cronJob);
    prune(owned.stream().filter(JobController::isSucceeded).toList(),
        Objects.requireNonNullElse(cronJob.getSpec().getSuccessfulJobsHistoryLimit(), 3));
    prune(owned.stream().filter(j -> JobController.isFinished(j) && !JobController.isSucceeded(j)).toList(),
        Objects.requireNonNullElse(cronJob.getSpec().getFailedJobsHistoryLimit(), 1));

    CronJobStatus status = Objects.requireNonNullElseGet(cronJob.getStatus(), CronJobStatus::new);
    List<ObjectReference> active = owned.stream().filter(j -> !JobController.isFinished(j))
        .map(CronJobController::reference).toList();
    String lastSuccess = owned.stream().filter(JobController::isSucceeded)
        .map(j -> j.getStatus().getCompletionTime()).filter(Objects::nonNull)
        .map(Instant::parse).max(Comparator.naturalOrder()).map(Instant::toString)
        .orElse(status.getLastSuccessfulTime());
    if (!Objects.equals(lastSuccess, status.getLastSuccessfulTime())
        || !Objects.equals(Serialization.asJson(active), Serialization.asJson(status.getActive()))) {
      status.setActive(active);
      status.setLastSuccessfulTime(lastSuccess);
      cronJob.setStatus(status);
      client.resource(cronJob).updateStatus();
    }
  }

  private void prune(List<Job> finished, int keep) {
    finished.stream()
        .sorted(Comparator.comparing((Job j) -> j.getMetadata().getCreationTimestamp()).reversed())
        .skip(keep)
        .forEach(j -> client.resource(j).delete());
  }

  private List<Job> ownedJobs(CronJob cronJob) {
    return client.batch().v1().jobs().inNamespace(cronJob.getMetadata().getNamespace()).list().getItems()
        .stream().filter(j -> Selectors.isOwnedBy(j, cronJob.getMetadata().getUid())).toList();
  }

  private static ObjectReference reference(Job job) {
    return new ObjectReferenceBuilder().withApiVersion("batch/v1").withKind("Job")
        .withNamespace(job.getMetadata().getNamespace()).withName(job.getMetadata().getName())
        .withUid(job.getMetadata().getUid()).withResourceVersion(job.getMetadata().getResourceVersion())
        .build();
  }
}
