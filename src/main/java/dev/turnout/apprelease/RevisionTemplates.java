package dev.turnout.apprelease;

import dev.turnout.common.Labels;
import dev.turnout.common.OwnedObjects;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.apps.ControllerRevisionBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.runtime.RawExtension;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * What each revision's pods run, recorded once when the revision starts, so that a color's Deployment can be rebuilt
 * as it was when someone deletes or edits it, whatever the spec says now (the live color may run an older revision
 * than the spec's, during a rollout or after a rollback). As StatefulSets and DaemonSets keep theirs: one apps/v1
 * ControllerRevision per revision, named {@code <release>-r<n>}, owned by the release and labelled like every owned
 * object (so the informer caches them), {@code data.template} the pod template and annotation
 * {@code turnout.dev/revision-hash}. A ControllerRevision's data cannot be updated: one that does not match its
 * revision (a revision number reused after the operator stopped before recording it in status) is deleted and created
 * again. Records beyond revisionHistoryLimit are deleted, never those of the live, current or previous color.
 */
final class RevisionTemplates {
  private static final Logger LOG = Logger.getLogger(RevisionTemplates.class);
  static final String TEMPLATE = "template";

  /** A revision's pod template and revision hash. */
  record Recorded(PodTemplateSpec template, String revisionHash) {}

  private final ReleaseRun run;
  private final OwnedWrites writes;
  private final String readinessGate;

  RevisionTemplates(ReleaseRun run, OwnedWrites writes, String readinessGate) {
    this.run = run;
    this.writes = writes;
    this.readinessGate = readinessGate;
  }

  static String name(AppRelease release, long revision) {
    return release.getMetadata().getName() + "-r" + revision;
  }

  /**
   * What revision {@code n} runs: its record, or for the current revision the spec's template (recorded now when it is
   * not yet); null for an older revision without a record (one started before Turnout kept them).
   */
  Recorded of(long revision) {
    AppReleaseStatus status = run.status;
    ControllerRevision cr = run.snapshot.revision(name(run.release, revision));
    Recorded recorded = cr == null ? null : read(cr);
    if (!Objects.equals(revision, status.currentRevision)) {
      return recorded;
    }
    if (recorded != null && Objects.equals(recorded.revisionHash(), status.currentRevisionHash)) {
      return recorded;
    }
    Recorded current = new Recorded(ReleaseObjectsFactory.podTemplate(run.release, Color.parse(status.currentColor),
        podRevision(revision), run.snapshot.config.checksum(), readinessGate), status.currentRevisionHash);
    record(revision, current, cr);
    return current;
  }

  /**
   * The revision label of the current revision's pods: its own number, except for a revision that is what already
   * serves (a revert in git), whose pods keep the label of the live pods, so that recording it restarts nothing.
   */
  private long podRevision(long revision) {
    AppReleaseStatus status = run.status;
    if (status.currentColor != null && status.currentColor.equals(status.activeColor)) {
      Deployment live = run.snapshot.deployment(Color.parse(status.activeColor));
      if (live != null && Objects.equals(ReleaseSnapshot.annotation(live, Labels.REVISION_HASH), status.currentRevisionHash)
          && live.getSpec().getTemplate().getMetadata() != null && live.getSpec().getTemplate().getMetadata().getLabels() != null) {
        String label = live.getSpec().getTemplate().getMetadata().getLabels().get(Labels.REVISION);
        if (label != null && label.matches("\\d+")) {
          return Long.parseLong(label);
        }
      }
    }
    return revision;
  }

  private void record(long revision, Recorded recorded, ControllerRevision stale) {
    try {
      if (stale != null) {
        writes.delete(stale);
      }
      writes.create(build(revision, recorded));
    } catch (KubernetesClientException | OwnedWrites.Refused e) {
      // the record is retried on the next reconcile; the Deployment is written from the spec meanwhile
      LOG.warnf("%s/%s: could not record revision %d in ControllerRevision %s: %s", run.namespace(),
          run.release.getMetadata().getName(), revision, name(run.release, revision), e.getMessage());
    }
  }

  /** Deletes the records no longer needed: outside status.history and not those of the live, current or previous color. */
  void prune() {
    AppReleaseStatus status = run.status;
    Set<Long> keep = new HashSet<>();
    status.history.forEach(h -> keep.add(h.revision));
    keep.add(status.activeRevision);
    keep.add(status.currentRevision);
    keep.add(status.previousRevision);
    for (ControllerRevision cr : run.snapshot.revisions()) {
      if (cr.getRevision() != null && !keep.contains(cr.getRevision()) && OwnedObjects.isOwnedBy(cr, run.release)) {
        writes.delete(cr);
      }
    }
  }

  ControllerRevision build(long revision, Recorded recorded) {
    Map<String, String> labels = ReleaseObjectsFactory.commonLabels(run.release);
    labels.put(Labels.REVISION, Long.toString(revision));
    return new ControllerRevisionBuilder()
        .withMetadata(new ObjectMetaBuilder()
            .withName(name(run.release, revision))
            .withNamespace(run.namespace())
            .withLabels(labels)
            .withAnnotations(Map.of(Labels.REVISION_HASH, recorded.revisionHash()))
            .withOwnerReferences(OwnedObjects.ownerReference(run.release))
            .build())
        .withRevision(revision)
        .withData(Map.of(TEMPLATE, recorded.template()))
        .build();
  }

  static Recorded read(ControllerRevision cr) {
    // data is a RawExtension as read from the API server, the Map it was built from when this operator created it
    Object raw = cr.getData() instanceof RawExtension r ? r.getValue() : cr.getData();
    if (!(raw instanceof Map<?, ?> data) || data.get(TEMPLATE) == null) {
      return null;
    }
    try {
      PodTemplateSpec template = Serialization.jsonMapper().convertValue(data.get(TEMPLATE), PodTemplateSpec.class);
      return new Recorded(template, ReleaseSnapshot.annotation(cr, Labels.REVISION_HASH));
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
