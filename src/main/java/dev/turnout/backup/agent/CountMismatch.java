package dev.turnout.backup.agent;

import java.util.List;

/**
 * Restored collections whose document counts differ from the manifest ({@link StagedRestore}). Carries the source
 * namespaces, so a restore drill can name the failing collections without parsing a message; kept as the cause when
 * StagedRestore and ScratchRestore word the failure for their own callers.
 */
final class CountMismatch extends AgentException {
  final List<String> namespaces;

  CountMismatch(String message, List<String> namespaces) {
    super(message);
    this.namespaces = List.copyOf(namespaces);
  }

  /** The CountMismatch in {@code e}'s cause chain, if any. */
  static java.util.Optional<CountMismatch> in(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof CountMismatch m) {
        return java.util.Optional.of(m);
      }
    }
    return java.util.Optional.empty();
  }
}
