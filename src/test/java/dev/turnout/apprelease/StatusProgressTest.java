package dev.turnout.apprelease;

import static org.assertj.core.api.Assertions.assertThat;

import dev.turnout.common.Conditions;
import java.time.Instant;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Which status changes are written on their own, and which wait for the next change that matters. */
class StatusProgressTest {
  static final Instant T0 = Instant.parse("2026-12-02T10:00:00Z");
  static final Instant T1 = T0.plusSeconds(5);

  static AppReleaseStatus rollingOut(String reason, String progress) {
    AppReleaseStatus s = new AppReleaseStatus();
    s.observedGeneration = 2L;
    s.phase = "Progressing";
    s.currentRevision = 2L;
    s.currentColor = "green";
    s.activeColor = "blue";
    s.message = "revision 2 on green: " + progress;
    s.conditions = Conditions.set(s.conditions, "Available", true, "Serving", "revision 1 serves on blue", 2L, T0);
    s.conditions = Conditions.set(s.conditions, "RolloutComplete", false, reason, progress, 2L, T0);
    return s;
  }

  static AppReleaseStatus changed(AppReleaseStatus s, Consumer<AppReleaseStatus> change) {
    AppReleaseStatus copy = io.fabric8.kubernetes.client.utils.Serialization.clone(s);
    change.accept(copy);
    return copy;
  }

  @Test
  void countsOfTheSameWaitAreProgress() {
    AppReleaseStatus before = rollingOut("RollingOut", "Deployment backend-green: 2/2 updated, 0/2 available");
    assertThat(StatusProgress.onlyProgress(before, rollingOut("RollingOut", "Deployment backend-green: 2/2 updated, 1/2 available"))).isTrue();
    // from the Deployment's counts to the preview Service's endpoints: still the rollout
    assertThat(StatusProgress.onlyProgress(before, rollingOut("WaitingForEndpoints", "1/2 pods of green ready behind Service backend-preview"))).isTrue();
  }

  @Test
  void anUnchangedStatusIsNotProgressButNothing() {
    AppReleaseStatus before = rollingOut("RollingOut", "Deployment backend-green: 2/2 updated, 0/2 available");
    assertThat(StatusProgress.onlyProgress(before, changed(before, s -> {}))).isFalse();
    assertThat(StatusProgress.onlyProgress(null, before)).isFalse();
  }

  @Test
  void aGateThatPassesOrFailsAPhaseAGenerationOrAnyOtherFieldIsWrittenAtOnce() {
    AppReleaseStatus before = rollingOut("RollingOut", "Deployment backend-green: 2/2 updated, 1/2 available");
    assertThat(StatusProgress.onlyProgress(before, changed(before, s -> s.conditions = Conditions.set(s.conditions,
        "RolloutComplete", true, "Available", "2/2 pods of green available", 2L, T1)))).isFalse();
    assertThat(StatusProgress.onlyProgress(before, changed(before, s -> s.conditions = Conditions.set(s.conditions,
        "RolloutComplete", false, "WriteRefused", "Deployment backend-green refused", 2L, T1)))).isFalse();
    assertThat(StatusProgress.onlyProgress(before, changed(before, s -> s.phase = "Failed"))).isFalse();
    assertThat(StatusProgress.onlyProgress(before, changed(before, s -> s.observedGeneration = 3L))).isFalse();
    assertThat(StatusProgress.onlyProgress(before, changed(before, s -> s.replicas = 3))).isFalse();
    // the same text with another field changed: written, the text with it
    assertThat(StatusProgress.onlyProgress(before, changed(before, s -> {
      s.gatesPassedAt = "2026-12-02T10:00:05Z";
      s.message = "revision 2 on green: all gates passed";
    }))).isFalse();
  }

  @Test
  void healthChecksThatStartFailingAreNewsPassingRoundsAreProgress() {
    AppReleaseStatus before = changed(rollingOut("RollingOut", "x"), s -> s.conditions = Conditions.set(s.conditions,
        "HealthChecksPassing", false, "HealthChecksPending", "HealthPolicy p: 1/3 passing round(s)", 2L, T0));
    assertThat(StatusProgress.onlyProgress(before, changed(before, s -> s.conditions = Conditions.set(s.conditions,
        "HealthChecksPassing", false, "HealthChecksPending", "HealthPolicy p: 2/3 passing round(s)", 2L, T0)))).isTrue();
    assertThat(StatusProgress.onlyProgress(before, changed(before, s -> s.conditions = Conditions.set(s.conditions,
        "HealthChecksPassing", false, "HealthChecksFailing", "HealthPolicy p: checks failing: 503", 2L, T0)))).isFalse();
  }

  @Test
  void aFailureToldInsideAWaitingTextIsNews() {
    AppReleaseStatus before = changed(rollingOut("RollingOut", "x"), s -> s.conditions = Conditions.set(s.conditions,
        "BackupVerified", false, "BackupRunning", "backup Job mongo-prod-now running (requested with token t1)", 2L, T0));
    assertThat(StatusProgress.onlyProgress(before, changed(before, s -> s.conditions = Conditions.set(s.conditions,
        "BackupVerified", false, "BackupRunning", "backup Job mongo-prod-now running (requested with token t1); the last"
            + " attempt failed at 2026-12-02T10:00:00Z: mongodump exited 1", 2L, T0)))).isFalse();
    AppReleaseStatus health = changed(rollingOut("RollingOut", "x"), s -> s.conditions = Conditions.set(s.conditions,
        "HealthChecksPassing", false, "HealthChecksPending", "HealthPolicy p: 1/3 passing round(s)", 2L, T0));
    assertThat(StatusProgress.onlyProgress(health, changed(health, s -> s.conditions = Conditions.set(s.conditions,
        "HealthChecksPassing", false, "HealthChecksPending", "HealthPolicy p: 1/2 failing round(s): api: 503", 2L, T0)))).isFalse();
  }

  @Test
  void theMessageOfABlockedOrSettledReleaseIsWritten() {
    // a reference missing in another way is news for the person fixing it, not progress
    AppReleaseStatus blocked = changed(rollingOut("RollingOut", "x"), s -> {
      s.message = "missing Secret mongodb does not exist";
      s.conditions = Conditions.set(s.conditions, "ReferencesResolved", false, "MissingReference", s.message, 2L, T0);
    });
    assertThat(StatusProgress.onlyProgress(blocked, changed(blocked, s -> {
      s.message = "missing Secret mongodb has no key MONGODB_URI";
      s.conditions = Conditions.set(s.conditions, "ReferencesResolved", false, "MissingReference", s.message, 2L, T0);
    }))).isFalse();
    AppReleaseStatus live = changed(rollingOut("RollingOut", "x"), s -> s.message = "revision 1 (1.0.0) live on blue");
    assertThat(StatusProgress.onlyProgress(live, changed(live, s -> s.message = "revision 1 (1.0.0) live on blue; Deployment refused"))).isFalse();
    // another revision under test is not the same wait
    AppReleaseStatus r2 = rollingOut("RollingOut", "a");
    assertThat(StatusProgress.onlyProgress(r2, changed(r2, s -> s.message = "revision 3 on green: a"))).isFalse();
  }
}
