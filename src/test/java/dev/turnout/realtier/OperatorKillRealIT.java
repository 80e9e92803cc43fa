package dev.turnout.realtier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.turnout.apprelease.AppRelease;
import dev.turnout.common.Labels;
import dev.turnout.testing.Releases;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import org.awaitility.core.ConditionFactory;
import org.awaitility.core.ThrowingRunnable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * The operator killed (kill -9) at the worst moments on the real tier: mid-rollout, where the new instance waits
 * for the dead leader's Lease and resumes from the cluster alone; and right after a manual promotion's switch, where
 * the promote token travels with the switch on the active Service and never promotes the next revision (issue 10
 * items 1 and 4). Isolated: other classes running at the same time would feel the operator go.
 */
@Isolated
class OperatorKillRealIT {
  static final Duration WAIT = Duration.ofSeconds(60);
  @RegisterExtension static final RealNamespace NS = new RealNamespace();

  KubernetesClient client() {
    return NS.tier().admin();
  }

  void eventually(ThrowingRunnable assertion) {
    polling().untilAsserted(assertion);
  }

  ConditionFactory polling() {
    return ReleaseView.polling();
  }

  ConditionFactory keeping(String invariant, Callable<Boolean> holds) {
    return ReleaseView.keeping(invariant, holds);
  }

  ReleaseView live(String name, Consumer<AppRelease> change) {
    return ReleaseView.live(client(), NS.name(), name, change);
  }

  @AfterAll
  static void settlesToZeroWrites() throws Exception {
    IdleWrites.assertNone(NS.tier(), NS.name());
  }

  @Test // items 1 and 4
  void aPromoteTokenIsConsumedWithTheSwitchAndNeverPromotesTheNextRevision() throws Exception {
    ReleaseView r = live("token", ar -> { });
    Releases.update(client(), NS.name(), "token", a -> {
      a.getSpec().strategy.autoPromote = false;
      a.getSpec().version = "1.1.0";
    });
    eventually(() -> {
      assertThat(r.status().currentRevision).isEqualTo(2L);
      assertThat(r.status().phase).isEqualTo("AwaitingPromotion");
    });
    Releases.update(client(), NS.name(), "token", a -> a.getMetadata().getAnnotations().put(Labels.PROMOTE, "t1"));
    Service switched = await().atMost(WAIT).pollInterval(Duration.ofMillis(20)).until(r::activeService,
        s -> s != null && "green".equals(s.getSpec().getSelector().get(Labels.COLOR)));
    NS.tier().killOperator(); // kill -9 right after the switch, before its status write if the timing allows
    NS.tier().startOperator();
    assertThat(switched.getMetadata().getAnnotations()).as("annotations written with the selector")
        .containsEntry("turnout.dev/promote-token", "t1").containsEntry("turnout.dev/serving-revision", "2")
        .containsEntry("turnout.dev/switch-reason", "Promoted");
    Releases.update(client(), NS.name(), "token", a -> a.getSpec().version = "1.2.0");
    keeping("the consumed token t1 promoted revision 3", () -> "green".equals(r.activeColor()))
        .atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
          assertThat(r.status().currentRevision).isEqualTo(3L);
          assertThat(r.status().phase).isEqualTo("AwaitingPromotion");
        });
    await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(8)).until(() -> "green".equals(r.activeColor()));
  }


  @Test
  void operatorKilledMidRolloutPicksUpFromTheClusterAlone() throws Exception {
    String ns = NS.name();
    ReleaseView r = live("cart", ar -> { });
    NS.tier().simulator().setReady(ns, Releases.color("cart", "green"), false);
    Releases.update(client(), ns, "cart", a -> a.getSpec().version = "1.1.0");
    eventually(() -> {
      assertThat(r.status().currentRevision).isEqualTo(2L);
      assertThat(client().apps().deployments().inNamespace(ns).withName("cart-green").get()).isNotNull();
    });
    // kill -9 mid-rollout: the new instance waits for the dead leader's Lease to expire, then resumes
    NS.tier().killOperator();
    NS.tier().simulator().setReady(ns, Releases.color("cart", "green"), true);
    NS.tier().startOperator();
    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).ignoreExceptions().untilAsserted(() -> {
      assertThat(r.activeColor()).isEqualTo("green");
      assertThat(r.status().activeRevision).isEqualTo(2L);
      assertThat(r.status().history).extracting(h -> h.revision + ":" + h.outcome).startsWith("2:Promoted");
    });
  }
}
