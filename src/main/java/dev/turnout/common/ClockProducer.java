package dev.turnout.common;

import io.quarkus.arc.DefaultBean;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.time.Clock;

/** The clock every timer in the operator reads; tests replace it to move time without sleeping. */
@ApplicationScoped
public class ClockProducer {
  @Produces
  @DefaultBean
  @jakarta.inject.Singleton
  public Clock clock() {
    return Clock.systemUTC();
  }
}
