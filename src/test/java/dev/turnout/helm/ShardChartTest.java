package dev.turnout.helm;

import static dev.turnout.helm.HelmChartTest.ofType;
import static dev.turnout.helm.HelmChartTest.render;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.Role;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The chart's sharding values (docs/operations.md, "Sharding"): what reaches the operator, what is refused. */
class ShardChartTest {
  static List<EnvVar> env(String... sets) {
    return ofType(render(sets), Deployment.class).get(0).getSpec().getTemplate().getSpec().getContainers().get(0).getEnv();
  }

  @Test
  void unshardedByDefault() {
    assertThat(env()).extracting(EnvVar::getName).doesNotContain("TURNOUT_SHARD_NAME", "TURNOUT_SHARD_SELECTOR");
  }

  @Test
  void aShardGetsItsNameAndSelector() {
    // helm-java's set takes the value as it is (the helm CLI's --set needs the comma escaped: in (a\,b))
    assertThat(env("shard.name", "payments", "shard.labelSelector", "turnout.dev/shard in (a,b)"))
        .contains(new EnvVar("TURNOUT_SHARD_NAME", "payments", null),
            new EnvVar("TURNOUT_SHARD_SELECTOR", "turnout.dev/shard in (a,b)", null));
    assertThat(env("shard.name", "team-a", "watchNamespaces[0]", "team-a"))
        .contains(new EnvVar("TURNOUT_SHARD_NAME", "team-a", null), new EnvVar("TURNOUT_SHARD_SELECTOR", "", null));
  }

  @Test
  void theOperatorMayListTheShardRecords() {
    assertThat(ofType(render(), Role.class)).singleElement().satisfies(r ->
        assertThat(r.getRules()).singleElement().satisfies(rule -> {
          assertThat(rule.getResources()).containsExactly("leases");
          assertThat(rule.getVerbs()).contains("list");
        }));
  }

  @Test
  void aSelectorNeedsAName() {
    assertThatThrownBy(() -> render("shard.labelSelector", "turnout.dev/shard=a")).hasMessageContaining("shard.labelSelector needs shard.name");
  }

  @Test
  void aNameIsADnsLabelOfAtMost30Characters() {
    assertThatThrownBy(() -> render("shard.name", "Payments")).hasMessageContaining("shard");
    assertThatThrownBy(() -> render("shard.name", "a".repeat(31))).hasMessageContaining("shard");
  }
}
