package dev.turnout.sim;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plays the Job controller without pods: a Job becomes active, then ends as {@link JobRules}
 * decide, with the status fields and conditions (Complete / Failed, preceded by SuccessCriteriaMet /
 * FailureTarget as since Kubernetes 1.31) that the real controller writes.
 */
final class JobController implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(JobController.class);

  private final KubernetesClient client;
  private final SimLoop loop;
  private final Clock clock;
  private final JobRules rules;
  /** Uids of Jobs already started, so that every Job runs exactly once. */
  private final Set<String> started = ConcurrentHashMap.newKeySet();
  private final ExecutorService runners = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "sim-job-runner");
    t.setDaemon(true);
    return t;
  });

  JobController(KubernetesClient client, SimLoop loop, Clock clock, JobRules rules) {
    this.client = client;
    this.loop = loop;
    this.clock = clock;
    this.rules = rules;
  }

  void enqueue(String namespace, String name) {
    loop.submit(namespace, "job/" + namespace + "/" + name, () -> reconcile(namespace, name));
  }

  static boolean isFinished(Job job) {
    return job.getStatus() != null && job.getStatus().getConditions().stream()
        .anyMatch(c -> ("Complete".equals(c.getType()) || "Failed".equals(c.getType()))
            && "True".equals(c.getStatus()));
  }

  static boolean isSucceeded(Job job) {
    return job.getStatus() != null && job.getStatus().getConditions().stream()
        .anyMatch(c -> "Complete".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  private void reconcile(String namespace, String name) {
    Job job = client.batch().v1().jobs().inNamespace(namespace).withName(name).get();
    if (job == null || isFinished(job) || Boolean.TRUE.equals(job.getSpec().getSuspend())
        || !started.add(job.getMetadata().getUid())) {
      return;
    }
    JobStatus status = Objects.requireNonNullElseGet(job.getStatus(), JobStatus::new);
    status.setStartTime(clock.instant().toString());
    status.setActive(1);
    status.setReady(0);
    job.setStatus(status);
    client.resource(job).updateStatus();

    JobRules.Rule rule = rules.ruleFor(job);
    if (rule.hang()) {
      return;
    }
    String uid = job.getMetadata().getUid();
    if (rule.runner() != null) {
      loop.schedule(namespace, "job-run/" + uid, () -> runners.submit(() -> {
        JobResult result;
        try {
          result = rule.runner().run(job);
        } catch (Exception e) {
          LOG.info("job runner for {}/{} threw", namespace, name, e);
          result = JobResult.failure("BackoffLimitExceeded", String.valueOf(e));
        }
        JobResult outcome = result;
        loop.submit(namespace, "job-finish/" + uid, () -> finish(namespace, name, uid, outcome));
      }), rule.delay());
    } else {
      loop.schedule(namespace, "job-finish/" + uid, () -> finish(namespace, name, uid, rule.result()), rule.delay());
    }
  }

  private void finish(String namespace, String name, String uid, JobResult result) {
    Job job = client.batch().v1().jobs().inNamespace(namespace).withName(name).get();
    if (job == null || !uid.equals(job.getMetadata().getUid()) || isFinished(job)) {
      return;
    }
    String now = clock.instant().toString();
    JobStatus status = job.getStatus();
    status.setActive(null); // zero counts are omitted by the API server
    status.setReady(0);
    List<JobCondition> conditions;
    if (result.succeeded()) {
      status.setSucceeded(Objects.requireNonNullElse(job.getSpec().getCompletions(), 1));
      status.setCompletionTime(now);
      conditions = List.of(condition("SuccessCriteriaMet", result, now), condition("Complete", result, now));
    } else {
      status.setFailed(Objects.requireNonNullElse(job.getSpec().getBackoffLimit(), 6) + 1);
      conditions = List.of(condition("FailureTarget", result, now), condition("Failed", result, now));
    }
    status.setConditions(conditions);
    client.resource(job).updateStatus();
  }

  private static JobCondition condition(String type, JobResult result, String now) {
    return new JobConditionBuilder().withType(type).withStatus("True").withReason(result.reason())
        .withMessage(result.message()).withLastProbeTime(now).withLastTransitionTime(now).build();
  }

  void forget(Job job) {
    started.remove(job.getMetadata().getUid());
  }

  @Override
  public void close() {
    runners.shutdownNow();
  }
}
