package dev.turnout.sim;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * How simulated Jobs end, decided by the test: {@code sim.jobs().when(...).after(d).fail("X")}.
 * The newest matching rule wins; with no matching rule a Job succeeds after the default delay.
 * Rules are read when a Job starts, so changing them does not affect running Jobs.
 */
public final class JobRules {
  /** What to do with a matching Job; a null runner with hang false means a fixed result. */
  record Rule(Predicate<Job> matcher, Duration delay, JobResult result, JobRunner runner, boolean hang) {}

  private final List<Rule> rules = new CopyOnWriteArrayList<>();
  private volatile Duration defaultDelay = Duration.ofMillis(100);

  /** Jobs matching the predicate. */
  public RuleBuilder when(Predicate<Job> matcher) {
    return new RuleBuilder(matcher);
  }

  /** Jobs whose name matches the regular expression (find, not full match). */
  public RuleBuilder whenName(String regex) {
    Pattern pattern = Pattern.compile(regex);
    return when(job -> pattern.matcher(job.getMetadata().getName()).find());
  }

  /** Jobs that carry all these labels. */
  public RuleBuilder whenLabels(Map<String, String> labels) {
    return when(job -> Selectors.matches(labels, job.getMetadata().getLabels()));
  }

  /** Delay for Jobs no rule matches, and for rules without {@code after}. */
  public JobRules defaultDelay(Duration delay) {
    this.defaultDelay = delay;
    return this;
  }

  public void clear() {
    rules.clear();
  }

  Rule ruleFor(Job job) {
    for (int i = rules.size() - 1; i >= 0; i--) {
      if (rules.get(i).matcher().test(job)) {
        return rules.get(i);
      }
    }
    return new Rule(j -> true, defaultDelay, JobResult.success(), null, false);
  }

  /** Finishes a rule; every terminal method registers it. */
  public final class RuleBuilder {
    private final Predicate<Job> matcher;
    private Duration delay;

    private RuleBuilder(Predicate<Job> matcher) {
      this.matcher = matcher;
    }

    /** How long the Job stays active before its outcome. */
    public RuleBuilder after(Duration delay) {
      this.delay = delay;
      return this;
    }

    public JobRules succeed() {
      return add(JobResult.success(), null, false);
    }

    /** Failed condition with this reason (e.g. BackoffLimitExceeded, DeadlineExceeded). */
    public JobRules fail(String reason) {
      return fail(reason, "Job failed: " + reason);
    }

    public JobRules fail(String reason, String message) {
      return add(JobResult.failure(reason, message), null, false);
    }

    /** Stays active for ever (until deleted). */
    public JobRules hang() {
      return add(null, null, true);
    }

    /** Runs the callback (after the delay, if any); its result is the Job's outcome. */
    public JobRules run(JobRunner runner) {
      return add(null, Objects.requireNonNull(runner), false);
    }

    private JobRules add(JobResult result, JobRunner runner, boolean hang) {
      Duration effective = delay != null ? delay : (runner != null ? Duration.ZERO : defaultDelay);
      rules.add(new Rule(matcher, effective, result, runner, hang));
      return JobRules.this;
    }
  }
}
