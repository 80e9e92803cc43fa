package dev.turnout.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.turnout.sim.FastApiBackend;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The pods' side of the health checks: serves the sample backend and stamps every failing answer when it has been
 * sent, so the end of a failing round is known without asking the operator. A round sends one request to each pod
 * of the color at once and rounds are a second apart, so answers less than {@link #ROUND_GAP_MILLIS} apart belong to
 * the same round.
 */
final class ProbeRecorder implements HttpHandler {
  static final long ROUND_GAP_MILLIS = 300;

  private final FastApiBackend backend;
  private final List<ClusterObserver.Stamp> failures = new ArrayList<>();

  ProbeRecorder(FastApiBackend backend) {
    this.backend = backend;
  }

  /** The database goes down: every answer from now on is 503. */
  void fail() {
    backend.mode(FastApiBackend.Mode.DATABASE_DOWN);
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    backend.handle(exchange); // sends the answer and closes the exchange
    if (exchange.getResponseCode() >= 400) {
      ClusterObserver.Stamp sent = ClusterObserver.Stamp.now();
      synchronized (failures) {
        failures.add(sent);
      }
    }
  }

  /** When the last answer of the {@code round}-th failing round (1-based) was sent. */
  Optional<ClusterObserver.Stamp> endOfFailingRound(int round) {
    synchronized (failures) {
      int rounds = 0;
      ClusterObserver.Stamp end = null;
      for (ClusterObserver.Stamp s : failures) {
        if (end == null || (s.nanos() - end.nanos()) / 1_000_000 > ROUND_GAP_MILLIS) {
          if (rounds == round) {
            return Optional.of(end);
          }
          rounds++;
        }
        end = s;
      }
      return rounds == round ? Optional.ofNullable(end) : Optional.empty();
    }
  }
}
