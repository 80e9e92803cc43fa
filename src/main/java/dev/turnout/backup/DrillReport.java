package dev.turnout.backup;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
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

  public boolean ok;
  public String command;
  public String object;
  public Integer collections;
  public Long documents;
  public List<String> failedCollections = new ArrayList<>();
  public String error;

  /** The newest terminated pod's report, when its message is the agent's drill JSON; empty without a pod or report. */
  static Optional<DrillReport> of(KubernetesClient client, Job job) {
    return AgentReports.newest(client, job, DrillReport.class, r -> "drill".equals(r.command));
  }
}
