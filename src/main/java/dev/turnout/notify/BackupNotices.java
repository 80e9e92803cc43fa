package dev.turnout.notify;

import dev.turnout.backup.CronSchedule;
import dev.turnout.backup.DatabaseBackup;
import dev.turnout.backup.DatabaseBackupStatus;
import dev.turnout.common.Times;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The notifications of a DatabaseBackup, from its status as written:
 * <ul>
 *   <li>{@code backup.failed}: a new {@code status.lastFailure} (a failed Job, or one that exited 0 without a verified
 *       backup in storage); id: uid and the Job (or the failure's time);
 *   <li>{@code backup.stale}: no complete backup for more than 1.5 schedule intervals (since the newest complete backup,
 *       or since the DatabaseBackup was created when there is none), the threshold the chart's alert uses; suspended
 *       schedules are never stale. Id: uid and the newest backup's completion time, so one per stale period.
 * </ul>
 */
public final class BackupNotices {
  static final String KIND = "DatabaseBackup";

  private BackupNotices() {}

  public static List<Notification> of(DatabaseBackup backup, DatabaseBackupStatus before, DatabaseBackupStatus after, ZoneId zone,
      Instant now) {
    List<Notification> out = new ArrayList<>();
    if (after == null) {
      return out;
    }
    String uid = backup.getMetadata().getUid();
    DatabaseBackupStatus.Failure f = after.lastFailure;
    DatabaseBackupStatus.Failure was = before == null ? null : before.lastFailure;
    if (f != null && (was == null || !Objects.equals(f.job, was.job) || !Objects.equals(f.time, was.time))) {
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("job", f.job);
      d.put("reason", f.reason);
      out.add(new Notification(uid + "/backup.failed/" + (f.job != null ? f.job : f.time), Notification.Event.BACKUP_FAILED,
          Optional.ofNullable(Times.parse(f.time)).orElse(now), KIND, backup.getMetadata().getNamespace(),
          backup.getMetadata().getName(), "backup " + (f.job == null ? "" : "Job " + f.job + " ") + "failed (" + f.reason + "): "
              + f.message, d));
    }
    staleSince(backup, after, zone, now).ifPresent(since -> {
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("lastSuccessTime", after.lastSuccessTime);
      d.put("schedule", backup.getSpec().schedule);
      out.add(new Notification(uid + "/backup.stale/" + Times.format(since), Notification.Event.BACKUP_STALE, now, KIND,
          backup.getMetadata().getNamespace(), backup.getMetadata().getName(),
          (after.lastSuccessTime == null ? "no complete backup since the DatabaseBackup was created at " + Times.format(since)
              : "no complete backup since " + after.lastSuccessTime) + ", over 1.5 intervals of schedule \""
              + backup.getSpec().schedule + "\"", d));
    });
    return out;
  }

  /**
   * When the backup has been stale since (the newest complete backup, or the creation), or empty when it is not: an
   * interval is the gap between the two firings after that time (a schedule with uneven gaps is judged by the gap it
   * was in).
   */
  static Optional<Instant> staleSince(DatabaseBackup backup, DatabaseBackupStatus status, ZoneId zone, Instant now) {
    if (zone == null || backup.getSpec() == null || Boolean.TRUE.equals(backup.getSpec().suspend)) {
      return Optional.empty();
    }
    Instant since = status.lastSuccessTime != null ? Times.parse(status.lastSuccessTime)
        : Times.parse(backup.getMetadata().getCreationTimestamp());
    if (since == null) {
      return Optional.empty();
    }
    Optional<Instant> first = CronSchedule.next(backup.getSpec().schedule, zone, since);
    Optional<Instant> second = first.flatMap(t -> CronSchedule.next(backup.getSpec().schedule, zone, t));
    if (second.isEmpty()) {
      return Optional.empty();
    }
    Duration interval = Duration.between(first.get(), second.get());
    Instant due = since.plus(interval.multipliedBy(3).dividedBy(2));
    return now.isAfter(due) ? Optional.of(since) : Optional.empty();
  }
}
