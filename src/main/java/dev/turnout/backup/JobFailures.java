package dev.turnout.backup;

import dev.turnout.common.Redactor;
import dev.turnout.common.Times;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a failed backup Job means (pure). The agent exits 2 when it refuses its settings (AgentMain); the Jobs' pod
 * failure policy turns that into an immediate Job failure with reason {@value #POD_FAILURE_POLICY}, reported as
 * {@value #INVALID_SETTINGS}: retrying, or waiting for the next schedule, cannot help, and Ready says so as long as
 * the newest finished Job ran with the settings the spec gives today.
 */
final class JobFailures {
  /** Reason of the Job's Failed condition when a pod failure policy FailJob rule matched (Kubernetes' job controller). */
  static final String POD_FAILURE_POLICY = "PodFailurePolicy";
  static final String INVALID_SETTINGS = "InvalidSettings";

  private JobFailures() {}

  /** The lastFailure entry of a failed Job. */
  static DatabaseBackupStatus.Failure failure(Job j) {
    JobCondition c = JobStates.failure(j).orElseThrow();
    DatabaseBackupStatus.Failure f = new DatabaseBackupStatus.Failure();
    String name = j.getMetadata().getName();
    f.time = Times.format(JobStates.finishedAt(j));
    f.job = name;
    String detail = c.getMessage() == null ? Objects.requireNonNullElse(c.getReason(), "JobFailed") : c.getMessage();
    if (badSettings(j)) {
      f.reason = INVALID_SETTINGS;
      f.message = "Job " + name + " failed: the agent refused its settings (exit code " + BackupJobFactory.EXIT_BAD_SETTINGS
          + ", not retried: " + detail + "); fix the DatabaseBackup's spec or its Secrets (kubectl logs job/" + name
          + " says which setting)";
    } else {
      f.reason = c.getReason() == null ? "JobFailed" : c.getReason();
      f.message = "Job " + name + " failed: " + detail + " (kubectl logs job/" + name + " for the agent's output)";
    }
    // the operator does not know the passwords; a URI with credentials in a condition message is masked all the same
    f.message = Redactor.uriCredentials(f.message);
    return f;
  }

  /**
   * The failure to record from the newest failed Job, when it differs from {@code last} (then a Warning Event goes
   * with it); a newer failure (e.g. a Job that exited 0 without a manifest) is not replaced by an older one.
   */
  static Optional<DatabaseBackupStatus.Failure> newestFailure(List<Job> finishedNewestFirst, DatabaseBackupStatus.Failure last) {
    Optional<Job> lastFailed = finishedNewestFirst.stream().filter(j -> !JobStates.outcome(j).get()).findFirst();
    if (lastFailed.isEmpty()) {
      return Optional.empty();
    }
    Job j = lastFailed.get();
    boolean newer = last == null || last.time == null || !Times.parse(last.time).isAfter(JobStates.finishedAt(j));
    if (!newer) {
      return Optional.empty();
    }
    DatabaseBackupStatus.Failure f = failure(j);
    boolean same = last != null && Objects.equals(last.time, f.time) && Objects.equals(last.message, f.message)
        && Objects.equals(last.reason, f.reason) && Objects.equals(last.job, f.job);
    return same ? Optional.empty() : Optional.of(f);
  }

  /** Whether the Job failed because the agent refused its settings (exit code 2, by the pod failure policy). */
  static boolean badSettings(Job j) {
    return JobStates.failure(j).map(c -> POD_FAILURE_POLICY.equals(c.getReason())
        && (c.getMessage() == null || c.getMessage().contains("exit code " + BackupJobFactory.EXIT_BAD_SETTINGS))).orElse(false);
  }

  /**
   * Whether the Job's agent container ran with the settings {@code desired} gives today (image, command, env by name
   * with literal values and Secret references). The API server fills defaults into a Job's pod template (e.g. a
   * fieldRef's apiVersion), so the templates are compared by what the agent sees, not field by field.
   */
  static boolean sameSettings(Job job, JobSpec desired) {
    return settings(job.getSpec()).equals(settings(desired));
  }

  private static Optional<Map<String, String>> settings(JobSpec spec) {
    if (spec == null || spec.getTemplate() == null || spec.getTemplate().getSpec() == null
        || spec.getTemplate().getSpec().getContainers() == null) {
      return Optional.empty();
    }
    return spec.getTemplate().getSpec().getContainers().stream()
        .filter(c -> BackupJobFactory.CONTAINER.equals(c.getName()))
        .findFirst()
        .map(c -> {
          Map<String, String> m = new LinkedHashMap<>();
          m.put("image", c.getImage());
          m.put("command", String.valueOf(c.getCommand()));
          for (EnvVar e : c.getEnv() == null ? List.<EnvVar>of() : c.getEnv()) {
            m.put("env:" + e.getName(), describe(e));
          }
          return m;
        });
  }

  private static String describe(EnvVar e) {
    if (e.getValueFrom() == null) {
      return "=" + Objects.requireNonNullElse(e.getValue(), "");
    }
    if (e.getValueFrom().getSecretKeyRef() != null) {
      return "secret:" + e.getValueFrom().getSecretKeyRef().getName() + "/" + e.getValueFrom().getSecretKeyRef().getKey();
    }
    if (e.getValueFrom().getFieldRef() != null) {
      return "field:" + e.getValueFrom().getFieldRef().getFieldPath();
    }
    return "other";
  }
}
