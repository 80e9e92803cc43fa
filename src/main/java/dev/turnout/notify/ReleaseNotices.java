package dev.turnout.notify;

import dev.turnout.apprelease.AppRelease;
import dev.turnout.apprelease.AppReleaseStatus;
import dev.turnout.apprelease.RevisionRecord;
import dev.turnout.common.Times;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The notifications an AppRelease's status write carries: read from the status written against the status before it,
 * never from what a reconcile meant to do, so a notification describes what the cluster records (a write the API
 * server refused notifies nothing; the next reconcile that records it does).
 *
 * <ul>
 *   <li>a new {@code lastSwitchTime} whose active revision was promoted at that time: {@code release.promoted};
 *   <li>any other new {@code lastSwitchTime}: traffic went back, {@code release.rolledBack} (the revision it left is
 *       {@code previousRevision}, whose record says why);
 *   <li>a revision whose outcome became Failed: {@code release.failed}.
 * </ul>
 * Ids: uid, event, and the switch time or the revision, the same for the same happening whoever computes it.
 */
public final class ReleaseNotices {
  static final String KIND = "AppRelease";

  private ReleaseNotices() {}

  public static List<Notification> of(AppRelease release, AppReleaseStatus before, AppReleaseStatus after, Instant now) {
    List<Notification> out = new ArrayList<>();
    if (after == null) {
      return out;
    }
    String uid = release.getMetadata().getUid();
    String switchedAt = after.lastSwitchTime;
    if (switchedAt != null && !switchedAt.equals(before == null ? null : before.lastSwitchTime)) {
      RevisionRecord live = record(after, after.activeRevision);
      Instant at = Times.parse(switchedAt);
      if (live != null && "Promoted".equals(live.outcome) && switchedAt.equals(live.promotedAt)) {
        Map<String, Object> d = details(live);
        d.put("previousColor", after.previousColor);
        out.add(new Notification(uid + "/release.promoted/" + live.revision + "/" + switchedAt, Notification.Event.RELEASE_PROMOTED,
            at, KIND, release.getMetadata().getNamespace(), release.getMetadata().getName(),
            String.format("revision %d (%s) is live on %s", live.revision, live.version, live.color), d));
      } else {
        RevisionRecord left = record(after, after.previousRevision);
        Map<String, Object> d = live == null ? new LinkedHashMap<>() : details(live);
        d.put("color", after.activeColor);
        String why = left == null ? null : left.reason;
        d.put("trigger", trigger(why));
        if (left != null) {
          d.put("fromRevision", left.revision);
          d.put("fromVersion", left.version);
        }
        d.put("reason", why);
        out.add(new Notification(uid + "/release.rolledBack/" + after.activeRevision + "/" + switchedAt,
            Notification.Event.RELEASE_ROLLED_BACK, at, KIND, release.getMetadata().getNamespace(), release.getMetadata().getName(),
            String.format("traffic back on %s (revision %s)%s%s", after.activeColor, after.activeRevision,
                left == null ? "" : ", away from revision " + left.revision + " (" + left.version + ")", why == null ? "" : ": " + why),
            d));
      }
    }
    for (RevisionRecord r : after.history) {
      RevisionRecord was = before == null ? null : record(before, r.revision);
      if ("Failed".equals(r.outcome) && (was == null || !"Failed".equals(was.outcome))) {
        Map<String, Object> d = details(r);
        d.put("reason", r.reason);
        d.put("activeColor", after.activeColor);
        out.add(new Notification(uid + "/release.failed/" + r.revision, Notification.Event.RELEASE_FAILED,
            now, KIND, release.getMetadata().getNamespace(),
            release.getMetadata().getName(), String.format("revision %d (%s) failed, traffic stays on %s: %s", r.revision,
                r.version, Objects.toString(after.activeColor, "nothing"), r.reason), d));
      }
    }
    return out;
  }

  /**
   * manual, health or recovered, from the reason the rollback recorded (Rollbacks and TrafficSwitcher write these
   * prefixes; ReleaseNoticesTest pins them against a real release).
   */
  static String trigger(String reason) {
    if (reason == null) {
      return "recovered";
    }
    if (reason.startsWith("automatic revert")) {
      return "health";
    }
    return reason.startsWith("manual rollback") ? "manual" : "recovered";
  }

  private static Map<String, Object> details(RevisionRecord r) {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("revision", r.revision);
    d.put("version", r.version);
    d.put("color", r.color);
    return d;
  }

  private static RevisionRecord record(AppReleaseStatus s, Long revision) {
    if (revision == null || s.history == null) {
      return null;
    }
    return s.history.stream().filter(r -> revision.equals(r.revision)).findFirst().orElse(null);
  }
}
