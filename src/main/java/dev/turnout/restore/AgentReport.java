package dev.turnout.restore;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The agent's result for a finished restore Job, read from its pod's termination message: the agent writes its final
 * JSON line to {@code TERMINATION_MESSAGE_PATH} and the kubelet copies that file (at most 4096 bytes) into
 * {@code status.containerStatuses[].state.terminated.message} (Kubernetes docs, "Determine the Reason for Pod
 * Failure"). Read once, when the Job has finished: one LIST of the Job's pods by its {@code job-name} label.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public class AgentReport {
  private static final ObjectMapper JSON = new ObjectMapper();

  public boolean ok;
  public String object;
  public String sha256;
  public String error;
  public Map<String, Long> restored = new LinkedHashMap<>();
  public Long documents;
  /** Namespaces of the archive not restored, with why (the server's own, system.*, not matched by nsFrom). */
  public Map<String, String> skipped = new LinkedHashMap<>();
  public Boolean targetUnchanged;
  /** Whether the restore replays (replayed) the backup's oplog; absent when it failed before deciding, or older agents. */
  public Boolean pointInTime;
  public Long oplogEntries;

  /** The newest terminated pod's report, when its message is the agent's JSON; empty for older agents or no pod. */
  static Optional<AgentReport> of(KubernetesClient client, Job job) {
    try {
      return client.pods().inNamespace(job.getMetadata().getNamespace())
          .withLabel("job-name", job.getMetadata().getName()).list().getItems().stream()
          .filter(p -> job.getMetadata().getUid() == null || p.getMetadata().getOwnerReferences().stream()
              .anyMatch(o -> job.getMetadata().getUid().equals(o.getUid())))
          .sorted(Comparator.comparing((Pod p) -> p.getMetadata().getCreationTimestamp()).reversed())
          .map(AgentReport::parse)
          .flatMap(Optional::stream)
          .findFirst();
    } catch (KubernetesClientException e) {
      return Optional.empty(); // the Job's outcome still counts; only the details are missing
    }
  }

  static Optional<AgentReport> parse(Pod pod) {
    if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
      return Optional.empty();
    }
    for (ContainerStatus c : pod.getStatus().getContainerStatuses()) {
      if (c.getState() == null || c.getState().getTerminated() == null) {
        continue;
      }
      String message = c.getState().getTerminated().getMessage();
      if (message == null) {
        continue;
      }
      // FallbackToLogsOnError: without the file, the log's tail; the agent's JSON is its last stdout line
      String[] lines = message.strip().split("\n");
      String last = lines[lines.length - 1].strip();
      if (last.startsWith("{")) {
        try {
          return Optional.of(JSON.readValue(last, AgentReport.class));
        } catch (Exception e) {
          // not the agent's JSON
        }
      }
    }
    return Optional.empty();
  }
}
