package dev.turnout.sim;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** What tests said about pod health: the newest rule that matches a pod decides. */
final class ReadinessRules {
  private record Rule(String namespace, Map<String, String> selector, boolean ready) {}

  private final List<Rule> rules = new CopyOnWriteArrayList<>();

  void add(String namespace, Map<String, String> selector, boolean ready) {
    rules.add(new Rule(namespace, Map.copyOf(selector), ready));
  }

  /** Whether the pod may become Ready; true when no rule matches it. */
  boolean allows(Pod pod) {
    for (int i = rules.size() - 1; i >= 0; i--) {
      Rule rule = rules.get(i);
      if (Selectors.matches(rule.namespace(), rule.selector(), pod)) {
        return rule.ready();
      }
    }
    return true;
  }
}
