package dev.turnout.backup;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** What a backup or restore Job's status says; read from its conditions only, never from logs. */
public final class JobStates {
  private JobStates() {}

  /** True succeeded, false failed, empty still running. */
  public static Optional<Boolean> outcome(Job job) {
    if (condition(job, "Complete", "SuccessCriteriaMet").isPresent()) {
      return Optional.of(true);
    }
    if (condition(job, "Failed", "FailureTarget").isPresent()) {
      return Optional.of(false);
    }
    return Optional.empty();
  }

  /** The Failed (or FailureTarget) condition of a failed Job. */
  public static Optional<JobCondition> failure(Job job) {
    return condition(job, "Failed", "FailureTarget");
  }

  /** When the Job ended: completionTime, or the terminal condition's transition time. */
  public static Instant finishedAt(Job job) {
    if (job.getStatus() != null && job.getStatus().getCompletionTime() != null) {
      return Instant.parse(job.getStatus().getCompletionTime());
    }
    return condition(job, "Complete", "Failed", "SuccessCriteriaMet", "FailureTarget")
        .map(JobCondition::getLastTransitionTime)
        .map(Instant::parse)
        .orElse(Instant.EPOCH);
  }

  public static Duration duration(Job job) {
    if (job.getStatus() == null || job.getStatus().getStartTime() == null) {
      return null;
    }
    return Duration.between(Instant.parse(job.getStatus().getStartTime()), finishedAt(job));
  }

  private static Optional<JobCondition> condition(Job job, String... types) {
    if (job == null || job.getStatus() == null || job.getStatus().getConditions() == null) {
      return Optional.empty();
    }
    List<String> wanted = List.of(types);
    return job.getStatus().getConditions().stream()
        .filter(c -> wanted.contains(c.getType()) && "True".equals(c.getStatus()))
        .findFirst();
  }
}
