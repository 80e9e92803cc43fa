package dev.turnout.testing;

import dev.turnout.common.WriteCounter;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The operator's write counter in tests, able to simulate the operator dying between two API calls: armed
 * with n, the n-th write from then on throws before it reaches the API server, and the reconcile ends there.
 * The next reconcile starts from what the cluster holds, exactly as after a restart.
 *
 * <p>A dead operator writes nothing more: once a reconcile has crashed, every further write on its thread (e.g. the
 * "reconcile error" status a catch block would write) throws too, until the next reconcile starts on that thread
 * ({@link Reconciles} tells this when JOSDK starts one). Every write the operator makes is counted just before it is
 * sent, status writes included, so each one is a crash point.
 */
@Alternative
@Priority(1)
@ApplicationScoped
public class CrashingWriteCounter extends WriteCounter {
  private final AtomicInteger countdown = new AtomicInteger(-1);
  private final AtomicBoolean crashed = new AtomicBoolean();
  private final ThreadLocal<Boolean> dead = ThreadLocal.withInitial(() -> false);
  private volatile Consumer<String> onCrash = w -> {};
  /** Crash at the first write for which this holds (given the writer), instead of at the n-th. */
  private volatile java.util.function.Predicate<String> crashWhen;

  public static final class SimulatedCrash extends RuntimeException {
    SimulatedCrash(String message) {
      super(message);
    }
  }

  public void crashAtWrite(int n) {
    crashed.set(false);
    crashWhen = null;
    countdown.set(n);
  }

  /**
   * Crashes at the first write for which the predicate holds (it gets the writer, e.g. "StatusPatcher.patchIfChanged",
   * and may read the cluster): a crash point that does not depend on how many writes came before it.
   */
  public void crashWhen(java.util.function.Predicate<String> when) {
    crashed.set(false);
    countdown.set(-1);
    crashWhen = when;
  }

  /** Told, on the crashing thread and before the crash, which code was about to write (for assertions on the state). */
  public void onCrash(Consumer<String> observer) {
    onCrash = observer == null ? w -> {} : observer;
  }

  public boolean crashed() {
    return crashed.get();
  }

  public void disarm() {
    countdown.set(-1);
    crashWhen = null;
    onCrash = w -> {};
  }

  /** A new reconcile starts on this thread: a new life for the operator. */
  void reconcileStarted() {
    dead.remove();
  }

  @Override
  public void write() {
    if (dead.get()) {
      throw new SimulatedCrash("simulated operator crash: no write after the crash");
    }
    java.util.function.Predicate<String> when = crashWhen;
    boolean crashNow = when != null ? !crashed.get() && when.test(writer())
        : countdown.get() > 0 && countdown.decrementAndGet() == 0;
    if (crashNow) {
      crashed.set(true);
      dead.set(true);
      String writer = writer();
      onCrash.accept(writer);
      throw new SimulatedCrash("simulated operator crash before a write (" + writer + ")");
    }
    super.write();
  }

  private static String writer() {
    return StackWalker.getInstance().walk(frames -> frames
        .map(f -> f.getClassName().substring(f.getClassName().lastIndexOf('.') + 1) + "." + f.getMethodName())
        .filter(f -> !f.startsWith("CrashingWriteCounter") && !f.contains("_Subclass") && !f.contains("_ClientProxy"))
        .findFirst().orElse("?"));
  }
}
