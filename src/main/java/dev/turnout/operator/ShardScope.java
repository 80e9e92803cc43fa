package dev.turnout.operator;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What one operator instance (a shard) reconciles: the namespaces it watches (null: all of them) and the label
 * selector of its four controllers (empty: every object). Pure; {@link #canOverlap} is the rule the start-up check
 * applies between shards.
 *
 * <p>"Can overlap" means: some object could exist that both shards would reconcile, whatever objects exist today.
 * That needs a namespace both watch, and a label set both selectors accept. The second is decided exactly, key by key
 * (requirements on different keys never contradict each other): on one key, the requirements of both selectors
 * together are unsatisfiable only when the key must exist ({@code k}, {@code k=v}, {@code k in (...)}) and must not
 * ({@code !k}), or must exist and no value is left (the {@code in} sets intersected, minus every {@code !=} and
 * {@code notin} value). A key that need not exist is satisfied by leaving it out. So {@code shard=a} and
 * {@code shard=b} cannot overlap; {@code shard=a} and {@code team=x} can (an object labelled with both), and so can
 * {@code shard!=a} and {@code shard notin (b)}.
 *
 * @param namespaces the watched namespaces, or null for the whole cluster
 * @param selector the requirements, ANDed; empty selects everything
 */
public record ShardScope(SortedSet<String> namespaces, List<Requirement> selector) {
  public enum Op { EXISTS, NOT_EXISTS, IN, NOT_IN }

  /** One requirement of a label selector; {@code k=v} is {@code IN (v)}, {@code k!=v} is {@code NOT_IN (v)}. */
  public record Requirement(String key, Op op, Set<String> values) {
    /** In kubectl's syntax, values sorted. */
    @Override
    public String toString() {
      String list = String.join(",", new TreeSet<>(values));
      return switch (op) {
        case EXISTS -> key;
        case NOT_EXISTS -> "!" + key;
        case IN -> values.size() == 1 ? key + "=" + list : key + " in (" + list + ")";
        case NOT_IN -> values.size() == 1 ? key + "!=" + list : key + " notin (" + list + ")";
      };
    }
  }

  private static final String KEY = "(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?";
  private static final String VALUE = "(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?)?";
  private static final Pattern EXISTS = Pattern.compile("(!?)\\s*(" + KEY + ")");
  private static final Pattern EQUALITY = Pattern.compile("(" + KEY + ")\\s*(==|!=|=)\\s*(" + VALUE + ")");
  private static final Pattern SET = Pattern.compile("(" + KEY + ")\\s+(in|notin)\\s*\\((.*)\\)");
  private static final Pattern VALUE_ONLY = Pattern.compile(VALUE);

  /**
   * @param namespaces the controllers' setting (quarkus.operator-sdk.namespaces): JOSDK_ALL_NAMESPACES, empty, or a
   *     comma-separated list
   * @param selector a label selector in the syntax of kubectl's {@code -l} (equality and set based; {@code <} and
   *     {@code >} are refused: the overlap rule does not cover them)
   * @throws IllegalArgumentException naming the part of the selector it cannot read
   */
  public static ShardScope of(String namespaces, String selector) {
    return new ShardScope(namespaces(namespaces), parse(selector));
  }

  static SortedSet<String> namespaces(String setting) {
    if (setting == null || setting.isBlank() || setting.contains("JOSDK_ALL_NAMESPACES")) {
      return null;
    }
    SortedSet<String> set = new TreeSet<>();
    for (String ns : setting.split(",")) {
      if (!ns.isBlank()) {
        set.add(ns.trim());
      }
    }
    return set.isEmpty() ? null : set;
  }

  public static List<Requirement> parse(String selector) {
    List<Requirement> requirements = new ArrayList<>();
    if (selector == null || selector.isBlank()) {
      return requirements;
    }
    for (String part : splitTopLevel(selector)) {
      String p = part.trim();
      Matcher m;
      if ((m = SET.matcher(p)).matches()) {
        Set<String> values = new LinkedHashSet<>();
        for (String v : m.group(3).split(",", -1)) {
          String value = v.trim();
          if (!VALUE_ONLY.matcher(value).matches()) {
            throw new IllegalArgumentException("label selector \"" + selector + "\": bad value \"" + value + "\" in \"" + p + "\"");
          }
          values.add(value);
        }
        requirements.add(new Requirement(m.group(1), "in".equals(m.group(2)) ? Op.IN : Op.NOT_IN, Set.copyOf(values)));
      } else if ((m = EQUALITY.matcher(p)).matches()) {
        requirements.add(new Requirement(m.group(1), "!=".equals(m.group(2)) ? Op.NOT_IN : Op.IN, Set.of(m.group(3))));
      } else if ((m = EXISTS.matcher(p)).matches()) {
        requirements.add(new Requirement(m.group(2), m.group(1).isEmpty() ? Op.EXISTS : Op.NOT_EXISTS, Set.of()));
      } else {
        throw new IllegalArgumentException("label selector \"" + selector + "\": cannot read \"" + p
            + "\" (expected key, !key, key=value, key!=value, key in (a,b) or key notin (a,b))");
      }
    }
    return List.copyOf(requirements);
  }

  /** Splits at the commas outside parentheses: {@code a=1,b in (x,y)} is two requirements. */
  private static List<String> splitTopLevel(String selector) {
    List<String> parts = new ArrayList<>();
    int depth = 0;
    int start = 0;
    for (int i = 0; i < selector.length(); i++) {
      char c = selector.charAt(i);
      if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth--;
      } else if (c == ',' && depth == 0) {
        parts.add(selector.substring(start, i));
        start = i + 1;
      }
      if (depth < 0 || depth > 1) {
        throw new IllegalArgumentException("label selector \"" + selector + "\": unbalanced parentheses");
      }
    }
    if (depth != 0) {
      throw new IllegalArgumentException("label selector \"" + selector + "\": unbalanced parentheses");
    }
    parts.add(selector.substring(start));
    return parts;
  }

  /** Whether some object in some namespace could be reconciled by both shards (see the class comment). */
  public static boolean canOverlap(ShardScope a, ShardScope b) {
    return namespacesOverlap(a.namespaces, b.namespaces) && selectorsOverlap(a.selector, b.selector);
  }

  static boolean namespacesOverlap(Set<String> a, Set<String> b) {
    if (a == null || b == null) {
      return true; // the whole cluster meets any non-empty list
    }
    return a.stream().anyMatch(b::contains);
  }

  /** Whether one label set satisfies every requirement of both selectors. */
  public static boolean selectorsOverlap(List<Requirement> a, List<Requirement> b) {
    List<Requirement> all = new ArrayList<>(a);
    all.addAll(b);
    Set<String> keys = new HashSet<>();
    all.forEach(r -> keys.add(r.key()));
    for (String key : keys) {
      if (!satisfiable(all.stream().filter(r -> r.key().equals(key)).toList())) {
        return false;
      }
    }
    return true;
  }

  private static boolean satisfiable(List<Requirement> onOneKey) {
    boolean mustExist = false;
    boolean mustNotExist = false;
    Set<String> allowed = null; // null: any value
    Set<String> excluded = new HashSet<>();
    for (Requirement r : onOneKey) {
      switch (r.op()) {
        case EXISTS -> mustExist = true;
        case NOT_EXISTS -> mustNotExist = true;
        case IN -> {
          mustExist = true;
          if (allowed == null) {
            allowed = new HashSet<>(r.values());
          } else {
            allowed.retainAll(r.values());
          }
        }
        case NOT_IN -> excluded.addAll(r.values());
      }
    }
    if (!mustExist) {
      return true; // without the label, !=, notin and !k all hold
    }
    if (mustNotExist) {
      return false;
    }
    if (allowed == null) {
      return true; // infinitely many values, finitely many excluded
    }
    allowed.removeAll(excluded);
    return !allowed.isEmpty();
  }

  /** The namespaces as the record stores them: "*" for the whole cluster. */
  public String namespacesText() {
    return namespaces == null ? "*" : String.join(",", namespaces);
  }

  @Override
  public String toString() {
    return "namespaces " + namespacesText() + ", selector "
        + (selector.isEmpty() ? "(everything)" : String.join(",", selector.stream().map(Requirement::toString).toList()));
  }
}
