package dev.turnout.backup.agent;

/** A failure with a message meant for a person; never contains secrets. */
public class AgentException extends RuntimeException {
  private final int exitCode;

  public AgentException(String message) {
    this(message, 1);
  }

  public AgentException(String message, int exitCode) {
    super(message);
    this.exitCode = exitCode;
  }

  public int exitCode() {
    return exitCode;
  }
}
