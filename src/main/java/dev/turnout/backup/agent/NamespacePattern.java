package dev.turnout.backup.agent;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A mongorestore namespace pattern ({@code --nsFrom}/{@code --nsTo}, {@code --nsInclude}): {@code *} matches any
 * characters, {@code $name$} is a variable that nsTo refers to by name (mongorestore docs, "Change Collections'
 * Namespaces during Restore": "nsFrom and nsTo ... support the asterisk wildcard and variables of the form $variable$").
 * Asterisks in nsTo take the values of the asterisks in nsFrom in order. Used by {@link RestorePlan} to work out, for
 * each namespace the archive holds, where the user's rename sends it, so mongorestore gets exact namespaces only.
 */
final class NamespacePattern {
  private static final Pattern TOKEN = Pattern.compile("\\*|\\$([A-Za-z0-9_]+)\\$");

  private final String source;
  private final Pattern regex;
  private final List<String> groups = new ArrayList<>();

  NamespacePattern(String pattern) {
    this.source = pattern;
    StringBuilder re = new StringBuilder();
    Matcher m = TOKEN.matcher(pattern);
    int last = 0;
    int stars = 0;
    while (m.find()) {
      re.append(Pattern.quote(pattern.substring(last, m.start())));
      String name = m.group(1) == null ? "star" + stars++ : "v_" + m.group(1);
      if (groups.contains(name)) {
        throw new AgentException("namespace pattern " + pattern + " uses $" + m.group(1) + "$ twice", 2);
      }
      groups.add(name);
      re.append("(?<").append(name.replace("_", "")).append(">.*?)");
      last = m.end();
    }
    re.append(Pattern.quote(pattern.substring(last)));
    this.regex = Pattern.compile(re.toString());
  }

  boolean matches(String namespace) {
    return regex.matcher(namespace).matches();
  }

  /** Where {@code to} sends {@code namespace}, when this pattern matches it. */
  Optional<String> rename(String namespace, String to) {
    Matcher m = regex.matcher(namespace);
    if (!m.matches()) {
      return Optional.empty();
    }
    StringBuilder out = new StringBuilder();
    Matcher t = TOKEN.matcher(to);
    int last = 0;
    int stars = 0;
    while (t.find()) {
      out.append(to, last, t.start());
      String name = t.group(1) == null ? "star" + stars++ : "v_" + t.group(1);
      if (!groups.contains(name)) {
        throw new AgentException(
            "nsTo " + to + " uses " + t.group() + " which nsFrom " + source + " does not define", 2);
      }
      out.append(m.group(name.replace("_", "")));
      last = t.end();
    }
    out.append(to.substring(last));
    return Optional.of(out.toString());
  }

  @Override
  public String toString() {
    return source;
  }
}
