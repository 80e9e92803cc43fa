package dev.turnout.backup;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The agent's result of a finished drill Job, from its pod's termination message (the agent writes its JSON result to
 * TERMINATION_MESSAGE_PATH; the kubelet copies at most 4096 bytes of it into the container's terminated state), as
 * the restore reads its own (dev.turnout.restore.AgentReport). Read once per drill Job: one LIST of its pods by the
 * job-name label the Job controller sets.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public class DrillReport {
  private static final ObjectMapper JSON = new ObjectMapper();

  public boolean ok;
  public String command;
  public String object;
  public Integer collections;
  public Long documents;
  public List<String> failedCollections = new ArrayList<>();
  public String error;

  /** The newest terminated pod's report, when its message is the agent's drill JSON; empty without a pod or report. */
  static Optional<DrillReport> of(KubernetesClient client, Job job) {
    try {
      return client.pods().inNamespace(job.getMetadata().getNamespace())
          .withLabel(BackupJobFactory.JOB_NAME_LABEL, job.getMetadata().getName()).list().getItems().stream()
          .filter(p -> job.getMetadata().getUid() == null || p.getMetadata().getOwnerReferences().stream()
              .anyMatch(o -> job.getMetadata().getUid().equals(o.getUid())))
          .sorted(Comparator.comparing((Pod p) -> p.getMetadata().getCreationTimestamp()).reversed())
          .map(DrillReport::parse)
          .flatMap(Optional::stream)
          .findFirst();
    } catch (KubernetesClientException e) {
      return Optional.empty(); // the Job's outcome still counts; only the details are missing
    }
  }

  static Optional<DrillReport> parse(Pod pod) {
    if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
      return Optional.empty();
    }
    for (ContainerStatus c : pod.getStatus().getContainerStatuses()) {
      if (c.getState() == null || c.getState().getTerminated() == null || c.getState().getTerminated().getMessage() == null) {
        continue;
      }
      // FallbackToLogsOnError: without the file, the log's tail; the agent's JSON is its last stdout line
      String[] lines = c.getState().getTerminated().getMessage().strip().split("\n");
      String last = lines[lines.length - 1].strip();
      if (last.startsWith("{")) {
        try {
          DrillReport r = JSON.readValue(last, DrillReport.class);
          if ("drill".equals(r.command)) {
            return Optional.of(r);
          }
        } catch (Exception e) {
          // not the agent's JSON
        }
      }
    }
    return Optional.empty();
  }
}
