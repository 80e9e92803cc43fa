package dev.turnout.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.turnout.operator.ShardScope.Op;
import dev.turnout.operator.ShardScope.Requirement;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The overlap rule between shards (docs/operations.md, "Sharding"), as a table. */
class ShardScopeTest {
  @ParameterizedTest(name = "[{0}] vs [{1}] -> {2}")
  @CsvSource(delimiter = '|', textBlock = """
      # selector a                            | selector b                              | can overlap
      ''                                      | ''                                      | true
      ''                                      | shard=a                                 | true
      shard=a                                 | shard=b                                 | false
      shard=a                                 | shard==a                                | true
      shard=a                                 | shard=a,team=x                          | true
      shard=a                                 | team=x                                  | true
      shard=a                                 | shard!=a                                | false
      shard=a                                 | shard!=b                                | true
      shard!=a                                | shard!=b                                | true
      shard!=a                                | shard notin (b)                         | true
      shard=a                                 | !shard                                  | false
      shard                                   | !shard                                  | false
      shard                                   | shard=b                                 | true
      !shard                                  | team=x                                  | true
      !shard                                  | shard notin (a)                         | true
      shard in (a,b)                          | shard in (b,c)                          | true
      shard in (a,b)                          | shard in (c,d)                          | false
      shard in (a,b)                          | shard notin (a,b)                       | false
      shard in (a,b)                          | shard notin (a)                         | true
      shard in (a, b), tier=gold              | shard=b,tier=silver                     | false
      turnout.dev/shard=a                     | turnout.dev/shard=b                     | false
      turnout.dev/shard in (a,c)              | turnout.dev/shard=a                     | true
      shard=                                  | shard                                   | true
      shard=                                  | shard=a                                 | false
      shard=a,shard=b                         | ''                                      | false
      """)
  void selectorsOverlap(String a, String b, boolean overlap) {
    assertThat(ShardScope.canOverlap(ShardScope.of(null, a), ShardScope.of(null, b))).isEqualTo(overlap);
    assertThat(ShardScope.canOverlap(ShardScope.of(null, b), ShardScope.of(null, a))).as("symmetric").isEqualTo(overlap);
  }

  @ParameterizedTest(name = "[{0}] vs [{1}] -> {2}")
  @CsvSource(delimiter = '|', textBlock = """
      # namespaces a              | namespaces b          | can overlap (same selector)
      JOSDK_ALL_NAMESPACES        | JOSDK_ALL_NAMESPACES  | true
      ''                          | team-a                | true
      JOSDK_ALL_NAMESPACES        | team-a,team-b         | true
      team-a                      | team-b                | false
      team-a,team-b               | team-b,team-c         | true
      team-a, team-b              | team-c                | false
      """)
  void namespacesOverlap(String a, String b, boolean overlap) {
    assertThat(ShardScope.canOverlap(ShardScope.of(a, ""), ShardScope.of(b, ""))).isEqualTo(overlap);
  }

  @Test
  void disjointNamespacesNeverOverlapWhateverTheSelectors() {
    assertThat(ShardScope.canOverlap(ShardScope.of("team-a", ""), ShardScope.of("team-b", "shard=a"))).isFalse();
    assertThat(ShardScope.canOverlap(ShardScope.of("team-a", "shard=a"), ShardScope.of(null, "shard=b"))).isFalse();
    assertThat(ShardScope.canOverlap(ShardScope.of("team-a", "shard=a"), ShardScope.of(null, "shard in (a)"))).isTrue();
  }

  @Test
  void parsesKubectlSyntax() {
    assertThat(ShardScope.parse(" turnout.dev/shard = a , tier in (gold, silver),!legacy,team notin (x),env!=dev,ready"))
        .containsExactly(
            new Requirement("turnout.dev/shard", Op.IN, Set.of("a")),
            new Requirement("tier", Op.IN, Set.of("gold", "silver")),
            new Requirement("legacy", Op.NOT_EXISTS, Set.of()),
            new Requirement("team", Op.NOT_IN, Set.of("x")),
            new Requirement("env", Op.NOT_IN, Set.of("dev")),
            new Requirement("ready", Op.EXISTS, Set.of()));
    assertThat(ShardScope.parse("")).isEmpty();
    assertThat(ShardScope.parse(null)).isEmpty();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', textBlock = """
      replicas>2          | cannot read
      shard in (a,b       | unbalanced
      shard in a,b)       | unbalanced
      shard=a b           | cannot read
      shard in (a,(b))    | unbalanced
      shard in (a,b c)    | bad value
      =a                  | cannot read
      """)
  void refusesWhatItCannotJudge(String selector, String why) {
    assertThatThrownBy(() -> ShardScope.parse(selector)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(why).hasMessageContaining(selector);
  }

  @Test
  void printsItselfInKubectlSyntax() {
    assertThat(ShardScope.of("team-b,team-a", "tier in (silver,gold),!legacy,shard=a,env!=dev,x notin (2,1),ready"))
        .hasToString("namespaces team-a,team-b, selector tier in (gold,silver),!legacy,shard=a,env!=dev,x notin (1,2),ready");
    assertThat(ShardScope.of(null, "")).hasToString("namespaces *, selector (everything)");
  }

  @Test
  void recordsNamespacesAsText() {
    assertThat(ShardScope.of("b,a", "").namespacesText()).isEqualTo("a,b");
    assertThat(ShardScope.of("JOSDK_ALL_NAMESPACES", "").namespacesText()).isEqualTo("*");
    assertThat(ShardScope.of(null, "x=1").selector()).isEqualTo(List.of(new Requirement("x", Op.IN, Set.of("1"))));
  }
}
