package dev.turnout.operator;

import java.util.Optional;
import java.util.regex.Pattern;
import org.eclipse.microprofile.config.Config;

/**
 * This instance's shard, from its configuration: a name (turnout.shard.name, TURNOUT_SHARD_NAME), the label selector
 * its four controllers share (turnout.shard.label-selector, TURNOUT_SHARD_SELECTOR; application.properties hands the
 * same variable to quarkus.operator-sdk.controllers.*.selector) and the namespaces it watches. No name: the unsharded
 * operator, which must run alone (its selector is empty).
 *
 * @param name the shard's name, or "" when unsharded
 * @param selector the label selector as configured, or ""
 * @param scope namespaces and parsed selector
 */
public record Shard(String name, String selector, ShardScope scope) {
  private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9]{0,28}[a-z0-9])?");

  /** The configured shard name, if any (used for the leader-election Lease's name before the rest is validated). */
  static Optional<String> name(Config config) {
    return config.getOptionalValue("turnout.shard.name", String.class).map(String::trim).filter(s -> !s.isEmpty());
  }

  /**
   * @throws IllegalArgumentException when the name is not a DNS label of at most 30 characters, a selector is set
   *     without a name, or the selector cannot be read
   */
  public static Shard from(Config config) {
    String name = name(config).orElse("");
    String selector = config.getOptionalValue("turnout.shard.label-selector", String.class).map(String::trim).orElse("");
    String namespaces = config.getOptionalValue("quarkus.operator-sdk.namespaces", String.class).orElse("");
    if (!name.isEmpty() && !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("turnout.shard.name (TURNOUT_SHARD_NAME) \"" + name
          + "\" is not a DNS label of at most 30 characters (lower-case letters, digits, '-')");
    }
    if (name.isEmpty() && !selector.isEmpty()) {
      throw new IllegalArgumentException("turnout.shard.label-selector (TURNOUT_SHARD_SELECTOR) is set without "
          + "turnout.shard.name (TURNOUT_SHARD_NAME): name the shard, its Lease and record are named after it");
    }
    return new Shard(name, selector, ShardScope.of(namespaces, selector));
  }

  public boolean sharded() {
    return !name.isEmpty();
  }

  @Override
  public String toString() {
    return (sharded() ? "shard " + name : "the operator without a shard name") + " (" + scope + ")";
  }
}
