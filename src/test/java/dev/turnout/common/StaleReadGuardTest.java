package dev.turnout.common;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import org.junit.jupiter.api.Test;

/** Issue 10 item 2: no decision from a cache older than the operator's own last write to that object. */
class StaleReadGuardTest {
  static ConfigMap at(String rv) {
    return new ConfigMapBuilder().withNewMetadata().withNamespace("ns").withName("backend").withResourceVersion(rv).endMetadata().build();
  }

  @Test
  void everyCopyOlderThanTheOperatorsOwnWriteIsStaleNotOnlyTheOneItStartedFrom() {
    StaleReadGuard guard = new StaleReadGuard();
    guard.wrote(at("100"), "105");
    assertThat(guard.isStale(at("100"))).as("the copy the write started from").isTrue();
    assertThat(guard.isStale(at("97"))).as("an even older copy (a relisted or lagging cache)").isTrue();
    assertThat(guard.isStale(at("104"))).as("a version between: someone else's write before ours landed").isTrue();
    assertThat(guard.isStale(at("105"))).as("the version our write produced").isFalse();
    assertThat(guard.isStale(at("100"))).as("forgotten once the cache caught up").isFalse();
  }

  @Test
  void aLaterChangeBySomeoneElseIsFresh() {
    StaleReadGuard guard = new StaleReadGuard();
    guard.wrote(at("100"), "105");
    assertThat(guard.isStale(at("230"))).isFalse();
  }

  @Test
  void withoutAnIntegerVersionOnlyTheVersionFromBeforeTheWriteIsKnownToBeStale() {
    StaleReadGuard guard = new StaleReadGuard();
    guard.wrote(at("a"), "b");
    assertThat(guard.isStale(at("a"))).isTrue();
    assertThat(guard.isStale(at("c"))).isFalse();
    guard.wrote(at("100"), null);
    assertThat(guard.isStale(at("100"))).isTrue();
    assertThat(guard.isStale(at("101"))).isFalse();
  }

  @Test
  void nothingWrittenNothingStale() {
    assertThat(new StaleReadGuard().isStale(at("1"))).isFalse();
  }
}
