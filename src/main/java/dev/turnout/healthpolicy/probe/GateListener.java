package dev.turnout.healthpolicy.probe;

import dev.turnout.healthpolicy.GateState;

/**
 * Told when a registration's gate changes (Unknown → Open, Open → Closed, ...), typically to trigger a reconcile.
 * Called on a Vert.x event loop: it must return quickly and must not block.
 */
@FunctionalInterface
public interface GateListener {
  void gateChanged(String key, GateState previous, GateState current);
}
