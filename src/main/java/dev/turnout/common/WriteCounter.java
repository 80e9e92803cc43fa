package dev.turnout.common;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.atomic.AtomicLong;

/** Counts the writes the operator makes to the API server (metric turnout_api_writes_total). */
@ApplicationScoped
public class WriteCounter implements OwnedObjects.WriteCounter {
  private final AtomicLong total = new AtomicLong();
  @Inject MeterRegistry registry;
  private Counter counter;

  @Override
  public void write() {
    total.incrementAndGet();
    if (counter == null) {
      counter = Counter.builder("turnout.api.writes").description("Writes made by the operator to the Kubernetes API").register(registry);
    }
    counter.increment();
  }

  public long total() {
    return total.get();
  }
}
