package dev.turnout.backup.agent;

import dev.turnout.backup.catalog.S3Errors;
import dev.turnout.backup.catalog.S3Settings;
import java.util.function.Supplier;
import software.amazon.awssdk.core.exception.SdkException;

/** One S3 call of the agent: the SDK's errors become an {@link AgentException} in words ({@link S3Errors}). */
final class S3Calls {
  private S3Calls() {}

  static <T> T call(S3Settings settings, Supplier<T> call) {
    try {
      return call.get();
    } catch (SdkException e) {
      throw new AgentException(S3Errors.describe(e, settings));
    } catch (IllegalArgumentException e) {
      throw new AgentException(e.getMessage());
    }
  }
}
