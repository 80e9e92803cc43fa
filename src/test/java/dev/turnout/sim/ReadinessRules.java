package dev.turnout.sim;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** What tests said about pod health: the newest rule that matches a pod decides. */
final class ReadinessRules {
  /** By label selector, or (podName set) for the one pod of that name. */
  private record Rule(String namespace, Map<String, String> selector, String podName, boolean ready) {
    boolean matches(Pod pod) {
      return podName == null
          ? Selectors.matches(namespace, selector, pod)
          : namespace.equals(pod.getMetadata().getNamespace()) && podName.equals(pod.getMetadata().getName());
    }
  }

  private final List<Rule> rules = new CopyOnWriteArrayList<>();

  void add(String namespace, Map<String, String> selector, boolean ready) {
    rules.add(new Rule(namespace, Map.copyOf(selector), null, ready));
  }

  void addPod(String namespace, String podName, boolean ready) {
    rules.add(new Rule(namespace, Map.of(), podName, ready));
  }

  /** Whether the pod may become Ready; true when no rule matches it. */
  boolean allows(Pod pod) {
    for (int i = rules.size() - 1; i >= 0; i--) {
      Rule rule = rules.get(i);
      if (rule.matches(pod)) {
        return rule.ready();
      }
    }
    return true;
  }
}
