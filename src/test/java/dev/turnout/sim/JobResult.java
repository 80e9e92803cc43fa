package dev.turnout.sim;

/** How a simulated Job ended. reason and message go into the Failed condition. */
public record JobResult(boolean succeeded, String reason, String message) {
  public static JobResult success() {
    return new JobResult(true, "CompletionsReached", "Reached expected number of succeeded pods");
  }

  public static JobResult failure(String reason, String message) {
    return new JobResult(false, reason, message);
  }
}
