package dev.turnout.testing;

import dev.turnout.common.WriteCounter;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The operator's write counter in tests, able to simulate the operator dying between two API calls: armed
 * with n, the n-th write from then on throws before it reaches the API server, and the reconcile ends there.
 * The next reconcile starts from what the cluster holds, exactly as after a restart.
 */
@Alternative
@Priority(1)
@ApplicationScoped
public class CrashingWriteCounter extends WriteCounter {
  private final AtomicInteger countdown = new AtomicInteger(-1);
  private final AtomicBoolean crashed = new AtomicBoolean();

  public static final class SimulatedCrash extends RuntimeException {
    SimulatedCrash(String message) {
      super(message);
    }
  }

  public void crashAtWrite(int n) {
    crashed.set(false);
    countdown.set(n);
  }

  public boolean crashed() {
    return crashed.get();
  }

  public void disarm() {
    countdown.set(-1);
  }

  @Override
  public void write() {
    if (countdown.get() > 0 && countdown.decrementAndGet() == 0) {
      crashed.set(true);
      throw new SimulatedCrash("simulated operator crash before a write");
    }
    super.write();
  }
}
