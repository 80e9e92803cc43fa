package dev.turnout.mongo;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * mongorestore's namespace rules, written after the documented behaviour of mongo-tools' {@code common/util/ns}
 * package (mongorestore docs, "Change Collections' Namespaces During Restore"): include/exclude patterns where {@code *}
 * matches any run of characters (including dots), and {@code --nsFrom/--nsTo} pairs where {@code *} wildcards are
 * numbered variables and {@code $name$} are named ones. A pattern without {@code *} is a literal namespace, which is
 * why a bare {@code --nsInclude app} matches nothing (issue 11: "a bare `--nsInclude app` matches nothing (exit 0)").
 */
final class NamespaceRules {
  private static final String ESCAPED = "*[](){}\\?$^+!.|";
  private static final Pattern VARIABLE = Pattern.compile("^\\$([^$]*)\\$(.*)$", Pattern.DOTALL);
  private static final Pattern WILDCARD = Pattern.compile("^(|.*[^\\\\])\\*(.*)$", Pattern.DOTALL);

  private NamespaceRules() {}

  /** Escapes {@code \} and {@code *} so a database name is matched literally (as ns.Escape does for --db). */
  static String escape(String in) {
    return in.replace("\\", "\\\\").replace("*", "\\*");
  }

  private static String unescape(String in) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < in.length(); i++) {
      char c = in.charAt(i);
      if (c == '\\' && i + 1 < in.length() && (in.charAt(i + 1) == '\\' || in.charAt(i + 1) == '*')) {
        out.append(in.charAt(++i));
      } else if (c != '\\') {
        out.append(c);
      }
    }
    return out.toString();
  }

  /** 'pre*.*' becomes 'pre$1$.$2$' (non-escaped asterisks become numbered variables). */
  private static String replaceWildcards(String in) {
    int count = 1;
    Matcher m = WILDCARD.matcher(in);
    while (m.matches()) {
      in = m.group(1) + "$" + count++ + "$" + m.group(2);
      m = WILDCARD.matcher(in);
    }
    return unescape(in);
  }

  /** A compiled from-pattern: an anchored regex and the variable order. */
  record Compiled(Pattern regex, Map<String, Integer> vars) {}

  static Compiled compile(String from) {
    if (!from.contains("$")) {
      from = replaceWildcards(from);
    }
    Map<String, Integer> vars = new LinkedHashMap<>();
    StringBuilder re = new StringBuilder("^");
    while (!from.isEmpty()) {
      Matcher v = VARIABLE.matcher(from);
      if (v.matches()) {
        if (vars.putIfAbsent(v.group(1), vars.size() + 1) != null) {
          throw new IllegalArgumentException("Variable name '" + v.group(1) + "' used more than once");
        }
        re.append("(.*?)");
        from = v.group(2);
        continue;
      }
      char c = from.charAt(0);
      if (c == '$') {
        throw new IllegalArgumentException("Extraneous '$'");
      }
      if (ESCAPED.indexOf(c) >= 0) {
        re.append('\\');
      }
      re.append(c);
      from = from.substring(1);
    }
    return new Compiled(Pattern.compile(re.append('$').toString(), Pattern.DOTALL), vars);
  }

  /** --nsInclude / --nsExclude (and the --db filter): does any pattern match the SOURCE namespace? */
  static final class NsMatcher {
    private final List<Pattern> patterns = new ArrayList<>();

    NsMatcher(List<String> patterns) {
      for (String p : patterns) {
        if (p.contains("$")) {
          throw new IllegalArgumentException("'$' is not allowed in include/exclude patterns");
        }
        this.patterns.add(compile(p).regex());
      }
    }

    boolean has(String ns) {
      return patterns.stream().anyMatch(p -> p.matcher(ns).matches());
    }
  }

  /** --nsFrom/--nsTo pairs; the last pair given wins when several match (mongo-tools reverses them). */
  static final class Renamer {
    private final List<Compiled> froms = new ArrayList<>();
    private final List<List<Object>> tos = new ArrayList<>();

    Renamer(List<String> from, List<String> to) {
      if (from.size() != to.size()) {
        throw new IllegalArgumentException("--nsFrom and --nsTo arguments must be specified an equal number of times");
      }
      for (int i = from.size() - 1; i >= 0; i--) {
        String f = from.get(i);
        String t = to.get(i);
        if (!f.contains("$") && countAsterisks(f) != countAsterisks(t)) {
          throw new IllegalArgumentException(
              "Different number of asterisks in from: '" + f + "' and to: '" + t + "'");
        }
        Compiled c = compile(f);
        froms.add(c);
        tos.add(replacement(f.contains("$") ? t : replaceWildcards(t), c.vars(), f, t));
      }
    }

    private static int countAsterisks(String s) {
      return (int) (s.chars().filter(ch -> ch == '*').count() - (s.split("\\\\\\*", -1).length - 1));
    }

    /** The to-string as literal parts (String) and group numbers (Integer). */
    private static List<Object> replacement(String to, Map<String, Integer> vars, String f, String t) {
      List<Object> parts = new ArrayList<>();
      while (!to.isEmpty()) {
        Matcher v = VARIABLE.matcher(to);
        if (v.matches()) {
          Integer n = vars.get(v.group(1));
          if (n == null) {
            throw new IllegalArgumentException(
                "Invalid replacement from '" + f + "' to '" + t + "': Unknown variable '" + v.group(1) + "'");
          }
          parts.add(n);
          to = v.group(2);
          continue;
        }
        if (to.charAt(0) == '$') {
          throw new IllegalArgumentException("Invalid replacement from '" + f + "' to '" + t + "': Extraneous '$'");
        }
        parts.add(String.valueOf(to.charAt(0)));
        to = to.substring(1);
      }
      return parts;
    }

    /** The destination namespace of a source namespace (itself when no pair matches). */
    String get(String ns) {
      for (int i = 0; i < froms.size(); i++) {
        Matcher m = froms.get(i).regex().matcher(ns);
        if (m.matches()) {
          StringBuilder out = new StringBuilder();
          for (Object part : tos.get(i)) {
            out.append(part instanceof Integer n ? m.group(n) : (String) part);
          }
          return out.toString();
        }
      }
      return ns;
    }
  }
}
