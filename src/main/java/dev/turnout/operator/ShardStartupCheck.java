package dev.turnout.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Before the operator starts its controllers (quarkus-operator-sdk starts them from a StartupEvent observer of
 * priority 3123; this one runs first): reads this instance's shard, refuses a configuration it cannot honour, and, with
 * turnout.shard.check (on in prod), refuses to start when a live shard can overlap it ({@link ShardRegistry}). A
 * refusal is an exception here: Quarkus logs it and the process exits with status 1, so the Deployment shows
 * CrashLoopBackOff with the reason in its log.
 */
@Singleton
public class ShardStartupCheck {
  private static final Logger LOG = Logger.getLogger(ShardStartupCheck.class);

  final KubernetesClient client;
  final LeaderElection leaderElection;
  @ConfigProperty(name = "turnout.shard.check", defaultValue = "true")
  boolean check;

  ShardStartupCheck(KubernetesClient client, LeaderElection leaderElection) {
    this.client = client;
    this.leaderElection = leaderElection;
  }

  void onStart(@Observes @Priority(100) StartupEvent event) throws InterruptedException {
    Shard shard;
    try {
      shard = Shard.from(ConfigProvider.getConfig());
    } catch (IllegalArgumentException e) {
      LOG.error("refusing to start: " + e.getMessage());
      throw e;
    }
    if (!check) {
      LOG.debugf("this instance is %s; shard check off", shard);
      return;
    }
    String namespace = leaderElection.getLeaseNamespace().orElseGet(client::getNamespace);
    try {
      new ShardRegistry(client, namespace, Clock.systemUTC(), Duration.ofSeconds(1))
          .checkAndRecord(shard, leaderElection.getLeaseName(), leaderElection.getLeaseDuration());
    } catch (ShardRegistry.OverlapException e) {
      LOG.error(e.getMessage());
      throw e;
    }
  }
}
