package dev.turnout.monitoring;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The metric names docs/metrics.md documents (first column of its tables), and the turnout_* names a query uses. */
final class DocumentedMetrics {
  static final Path DOC = Path.of("docs/metrics.md");
  private static final Pattern ROW = Pattern.compile("(?m)^\\| `(turnout_[a-z0-9_]+)` \\|");
  private static final Pattern NAME = Pattern.compile("\\bturnout_[a-z0-9_]+\\b");
  /** What Micrometer exports for a timer or histogram besides its documented base name. */
  private static final String[] SUFFIXES = {"_count", "_sum", "_max", "_bucket"};

  private DocumentedMetrics() {}

  static Set<String> documented() {
    try {
      Set<String> names = new TreeSet<>();
      Matcher m = ROW.matcher(Files.readString(DOC));
      while (m.find()) {
        names.add(m.group(1));
      }
      return names;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static boolean isDocumented(Set<String> documented, String name) {
    if (documented.contains(name)) {
      return true;
    }
    for (String s : SUFFIXES) {
      if (name.endsWith(s) && documented.contains(name.substring(0, name.length() - s.length()))) {
        return true;
      }
    }
    return false;
  }

  /** turnout_* names in a PromQL expression (label values are never turnout_*, so a regex is enough). */
  static Set<String> used(String expr) {
    Set<String> names = new TreeSet<>();
    Matcher m = NAME.matcher(expr);
    while (m.find()) {
      names.add(m.group());
    }
    return names;
  }
}
