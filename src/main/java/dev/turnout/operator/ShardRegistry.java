package dev.turnout.operator;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jboss.logging.Logger;

/**
 * The shards of one installation, recorded in the operator's namespace: each instance keeps a record (a Lease named
 * {@code <its leader-election Lease>-shard}, labelled {@value #RECORD_LABEL}, whose annotations hold its name,
 * selector and namespaces; the Lease's spec is unused) and its leader-election Lease tells whether the shard is live.
 * At start-up an instance refuses to run when a live shard other than its own can overlap it ({@link ShardScope}).
 *
 * <p>Live means: the other shard's Lease has a holder and was renewed less than its duration ago, and is renewed again
 * while this instance watches it. A shard killed a moment ago (its Lease still fresh, never renewed again) is waited
 * out for one Lease duration instead of refused: a rolling restart or a shard moved to other labels would otherwise
 * fail its first start. Two overlapping shards started within the same few seconds, before either holds its Lease,
 * are not caught: the next restart of either is (documented in docs/operations.md, "Sharding").
 */
public final class ShardRegistry {
  static final String RECORD_LABEL = "turnout.dev/shard-record";
  static final String NAME = "turnout.dev/shard-name";
  static final String SELECTOR = "turnout.dev/shard-selector";
  static final String NAMESPACES = "turnout.dev/shard-namespaces";
  static final String LEADER_LEASE = "turnout.dev/leader-lease";
  private static final Logger LOG = Logger.getLogger(ShardRegistry.class);

  private final KubernetesClient client;
  private final String namespace;
  private final Clock clock;
  private final Duration poll;

  public ShardRegistry(KubernetesClient client, String namespace, Clock clock, Duration poll) {
    this.client = client;
    this.namespace = namespace;
    this.clock = clock;
    this.poll = poll;
  }

  /** Another shard that can overlap this one, with its leader Lease as last seen. */
  public record Conflict(String shard, ShardScope scope, String leaseName, String holder, ZonedDateTime renewTime) {
    @Override
    public String toString() {
      return (shard.isEmpty() ? "the operator without a shard name" : "shard " + shard) + " (" + scope + "; Lease " + leaseName
          + " held by " + holder + ", renewed " + renewTime + ")";
    }
  }

  /** Thrown when a live shard can overlap this one: the message says which and what to do. */
  public static final class OverlapException extends IllegalStateException {
    OverlapException(String message) {
      super(message);
    }
  }

  /**
   * Refuses ({@link OverlapException}) when a live shard can overlap {@code me}, else writes {@code me}'s record (only
   * when it differs from the stored one: a restart with the same settings writes nothing).
   *
   * @param waitFor how long a fresh but silent Lease is watched before it counts as live (its duration)
   */
  public void checkAndRecord(Shard me, String myLease, Duration waitFor) throws InterruptedException {
    List<Conflict> candidates = overlappingWithFreshLease(me, myLease);
    Instant deadline = clock.instant().plus(waitFor).plus(poll);
    if (!candidates.isEmpty()) {
      LOG.infof("%s can overlap this instance, %s; watching its Lease for up to %s: renewed, this instance refuses to"
          + " start; expired, it starts", candidates, me, waitFor);
    }
    while (!candidates.isEmpty()) {
      List<Conflict> stillFresh = new ArrayList<>();
      for (Conflict c : candidates) {
        Lease now = client.leases().inNamespace(namespace).withName(c.leaseName()).get();
        if (!fresh(now)) {
          LOG.infof("%s can overlap this instance, but its Lease expired: it is not running", c);
          continue;
        }
        if (!Objects.equals(now.getSpec().getRenewTime(), c.renewTime()) || !clock.instant().isBefore(deadline)) {
          throw refusal(me, c);
        }
        stillFresh.add(c);
      }
      candidates = stillFresh;
      if (!candidates.isEmpty()) {
        Thread.sleep(poll.toMillis());
      }
    }
    record(me, myLease);
  }

  /** The other shards that can overlap {@code me} and whose leader Lease is fresh now. */
  List<Conflict> overlappingWithFreshLease(Shard me, String myLease) {
    List<Conflict> found = new ArrayList<>();
    for (Lease record : client.leases().inNamespace(namespace).withLabel(RECORD_LABEL, "true").list().getItems()) {
      Map<String, String> a = record.getMetadata().getAnnotations() == null ? Map.of() : record.getMetadata().getAnnotations();
      String leaseName = a.get(LEADER_LEASE);
      if (leaseName == null || leaseName.equals(myLease)) {
        continue; // our own shard's record (another replica, or an earlier run of this one)
      }
      ShardScope scope;
      try {
        scope = ShardScope.of("*".equals(a.get(NAMESPACES)) ? null : a.get(NAMESPACES), a.get(SELECTOR));
      } catch (IllegalArgumentException e) {
        // a record this version cannot read: assume the worst
        LOG.warnf("shard record %s: %s; treated as overlapping everything", record.getMetadata().getName(), e.getMessage());
        scope = ShardScope.of(null, null);
      }
      if (!ShardScope.canOverlap(me.scope(), scope)) {
        continue;
      }
      Lease lease = client.leases().inNamespace(namespace).withName(leaseName).get();
      if (fresh(lease)) {
        found.add(new Conflict(a.getOrDefault(NAME, ""), scope, leaseName, lease.getSpec().getHolderIdentity(),
            lease.getSpec().getRenewTime()));
      }
    }
    return found;
  }

  private boolean fresh(Lease lease) {
    if (lease == null || lease.getSpec() == null) {
      return false;
    }
    var spec = lease.getSpec();
    if (spec.getHolderIdentity() == null || spec.getHolderIdentity().isBlank() || spec.getRenewTime() == null) {
      return false;
    }
    int seconds = spec.getLeaseDurationSeconds() == null ? 15 : spec.getLeaseDurationSeconds();
    return spec.getRenewTime().toInstant().plusSeconds(seconds).isAfter(clock.instant());
  }

  private OverlapException refusal(Shard me, Conflict other) {
    return new OverlapException("refusing to start: this instance, " + me + ", can overlap " + other
        + ". Two operators reconciling the same object would fight over it. Give the shards selectors or namespaces"
        + " no object can match both (the rule is in docs/operations.md, \"Sharding\"), or stop the other shard.");
  }

  /** Writes this shard's record, if it differs from the stored one. */
  void record(Shard me, String myLease) {
    String name = myLease + "-shard";
    Map<String, String> annotations = new LinkedHashMap<>();
    annotations.put(NAME, me.name());
    annotations.put(SELECTOR, me.selector());
    annotations.put(NAMESPACES, me.scope().namespacesText());
    annotations.put(LEADER_LEASE, myLease);
    Lease stored = client.leases().inNamespace(namespace).withName(name).get();
    if (stored == null) {
      client.leases().inNamespace(namespace).resource(new LeaseBuilder().withNewMetadata().withName(name)
          .withNamespace(namespace).withLabels(Map.of(RECORD_LABEL, "true")).withAnnotations(annotations).endMetadata()
          .withNewSpec().endSpec().build()).create();
    } else if (stored.getMetadata().getAnnotations() == null
        || !stored.getMetadata().getAnnotations().entrySet().containsAll(annotations.entrySet())
        || !"true".equals(stored.getMetadata().getLabels() == null ? null : stored.getMetadata().getLabels().get(RECORD_LABEL))) {
      String patch = Serialization.asJson(Map.of("metadata", Map.of("labels", Map.of(RECORD_LABEL, "true"), "annotations", annotations)));
      client.leases().inNamespace(namespace).withName(name).patch(PatchContext.of(PatchType.JSON_MERGE), patch);
    }
    LOG.infof("this instance is %s; recorded in Lease %s/%s", me, namespace, name);
  }
}
