package dev.turnout.restore;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
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
    return dev.turnout.backup.AgentReports.newest(client, job, AgentReport.class, r -> true);
  }

}
