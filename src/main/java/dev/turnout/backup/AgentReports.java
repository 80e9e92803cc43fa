package dev.turnout.backup;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Comparator;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The backup agent's JSON result as a finished Job's pod reports it: its container's termination message (with
 * FallbackToLogsOnError, the log's tail when the agent wrote no file; its JSON is its last stdout line). One pod LIST
 * by the job-name label, pods of that Job (owner uid) newest first. Read for restores and for drills.
 */
public final class AgentReports {
  private static final ObjectMapper JSON = new ObjectMapper();

  private AgentReports() {}

  /** The newest terminated pod's report of {@code type} that {@code accept} takes; empty without a pod or report. */
  public static <T> Optional<T> newest(KubernetesClient client, Job job, Class<T> type, Predicate<T> accept) {
    try {
      return client.pods().inNamespace(job.getMetadata().getNamespace())
          .withLabel(BackupJobFactory.JOB_NAME_LABEL, job.getMetadata().getName()).list().getItems().stream()
          .filter(p -> job.getMetadata().getUid() == null || p.getMetadata().getOwnerReferences().stream()
              .anyMatch(o -> job.getMetadata().getUid().equals(o.getUid())))
          .sorted(Comparator.comparing((Pod p) -> p.getMetadata().getCreationTimestamp()).reversed())
          .map(p -> parse(p, type, accept))
          .flatMap(Optional::stream)
          .findFirst();
    } catch (KubernetesClientException e) {
      return Optional.empty(); // the Job's outcome still counts; only the details are missing
    }
  }

  /** The report in one pod's termination message, if any. */
  public static <T> Optional<T> parse(Pod pod, Class<T> type, Predicate<T> accept) {
    if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
      return Optional.empty();
    }
    for (ContainerStatus c : pod.getStatus().getContainerStatuses()) {
      if (c.getState() == null || c.getState().getTerminated() == null || c.getState().getTerminated().getMessage() == null) {
        continue;
      }
      String[] lines = c.getState().getTerminated().getMessage().strip().split("\n");
      String last = lines[lines.length - 1].strip();
      if (last.startsWith("{")) {
        try {
          T report = JSON.readValue(last, type);
          if (accept.test(report)) {
            return Optional.of(report);
          }
        } catch (Exception e) {
          // not the agent's JSON
        }
      }
    }
    return Optional.empty();
  }
}
