package dev.turnout.apprelease;

import dev.turnout.apprelease.AppReleaseStatusAggregator.GateCondition;
import dev.turnout.apprelease.AppReleaseStatusAggregator.Outcome;
import dev.turnout.common.Conditions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One reconcile of one release: what was read ({@link ReleaseSnapshot}), the status being built, the gate conditions
 * seen in this pass, and the earliest time the release wants to be looked at again. Each part of the release engine
 * reads and writes this; only the status aggregator turns it into conditions.
 */
final class ReleaseRun {
  final AppRelease release;
  final ReleaseSnapshot snapshot;
  final AppReleaseStatus status;
  final Instant now;
  final Map<String, GateCondition> gates = new TreeMap<>();
  /** Writes of owned objects the API server refused in this pass (or that still wait for their retry). */
  final List<RefusedWrite> refused = new ArrayList<>();
  private Duration requeue;

  /** A write of an owned object the API server or an admission webhook refused, in the API server's words. */
  record RefusedWrite(String kind, String name, String message) {
    String describe() {
      return kind + " " + name + " refused by the API server: " + message;
    }
  }

  ReleaseRun(AppRelease release, ReleaseSnapshot snapshot, AppReleaseStatus status, Instant now) {
    this.release = release;
    this.snapshot = snapshot;
    this.status = status;
    this.now = now;
  }

  String namespace() {
    return release.getMetadata().getNamespace();
  }

  AppReleaseSpec spec() {
    return release.getSpec();
  }

  void gate(String type, boolean passed, String reason, String message) {
    gates.put(type, new GateCondition(type, passed, reason, message));
  }

  void gate(String type, GateResult r) {
    gate(type, r.passed(), r.reason(), r.message());
  }

  /** The message of a gate in this pass, or of its condition from the last status. */
  String gateMessage(String type) {
    GateCondition g = gates.get(type);
    if (g != null) {
      return g.message();
    }
    return Conditions.find(status.conditions, type).map(c -> c.getMessage()).orElse(null);
  }

  RevisionRecord record(Long revision) {
    return RevisionPlanner.record(status, revision);
  }

  RevisionRecord currentRecord() {
    return record(status.currentRevision);
  }

  /** The current revision runs on the idle color and waits for its gates and its switch. */
  boolean rolloutPending() {
    RevisionRecord rec = currentRecord();
    return rec != null
        && Outcome.Pending.name().equals(rec.outcome)
        && status.currentColor != null
        && !status.currentColor.equals(status.activeColor);
  }

  /** The refused write of this object in this pass, or null. */
  RefusedWrite refusal(String kind, String name) {
    return refused.stream().filter(r -> r.kind().equals(kind) && r.name().equals(name)).findFirst().orElse(null);
  }

  String annotation(String key) {
    Map<String, String> a = release.getMetadata().getAnnotations();
    return a == null ? null : a.get(key);
  }

  void requeueAtMost(Duration d) {
    Duration bounded = d.isNegative() || d.isZero() ? Duration.ofMillis(200) : d;
    if (requeue == null || bounded.compareTo(requeue) < 0) {
      requeue = bounded;
    }
  }

  void requeueAtMost(Instant at) {
    requeueAtMost(Duration.between(now, at));
  }

  Duration requeue() {
    return requeue;
  }
}
