package dev.turnout.sim;

import io.fabric8.kubernetes.api.model.batch.v1.Job;

/**
 * Runs something real for a Job instead of its pods (e.g. the backup agent as a local process).
 * Called on a worker thread; may block as long as the work takes.
 */
@FunctionalInterface
public interface JobRunner {
  JobResult run(Job job) throws Exception;
}
