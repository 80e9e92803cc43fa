package dev.turnout.sim;

/**
 * How a simulated Job ended. reason and message go into the Failed condition; terminationMessage, when set, is what
 * the container wrote to its terminationMessagePath, which the kubelet copies into the pod's terminated state.
 */
public record JobResult(boolean succeeded, String reason, String message, String terminationMessage) {
  public static JobResult success() {
    return new JobResult(true, "CompletionsReached", "Reached expected number of succeeded pods", null);
  }

  public static JobResult failure(String reason, String message) {
    return new JobResult(false, reason, message, null);
  }

  public JobResult withTerminationMessage(String text) {
    return new JobResult(succeeded, reason, message, text);
  }
}
