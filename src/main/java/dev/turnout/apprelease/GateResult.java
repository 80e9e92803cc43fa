package dev.turnout.apprelease;

/** The state of one gate as a capability reports it now; never waits. */
public record GateResult(boolean passed, String reason, String message) {
  public static GateResult passed(String reason, String message) {
    return new GateResult(true, reason, message);
  }

  public static GateResult waiting(String reason, String message) {
    return new GateResult(false, reason, message);
  }
}
