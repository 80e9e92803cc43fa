package dev.turnout.demo;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A short human summary of the operator's {@code turnout_*} metrics for the end of {@code make run}: one line per
 * counter or gauge series, and for histograms the count, p50 and p90 (estimated from the buckets the way PromQL's
 * histogram_quantile does: linear inside the bucket) and the mean. The raw exposition stays on /q/metrics.
 */
public final class MetricsSummary {
  private MetricsSummary() {}

  /** One parsed sample: metric name, labels in order, value. */
  public record Sample(String name, Map<String, String> labels, double value) {}

  private static final class Histogram {
    final TreeMap<Double, Double> buckets = new TreeMap<>();
    double count;
    double sum;
    double max;
  }

  static List<String> summarize(String exposition) {
    Map<String, String> types = new LinkedHashMap<>();
    List<Sample> samples = new ArrayList<>();
    for (String line : exposition.split("\n")) {
      if (line.startsWith("# TYPE ")) {
        String[] p = line.substring(7).trim().split("\\s+");
        if (p.length == 2) {
          types.put(p[0], p[1]);
        }
      } else if (line.startsWith("turnout_")) {
        Sample s = parse(line);
        if (s != null) {
          samples.add(s);
        }
      }
    }
    Map<String, Histogram> histograms = new TreeMap<>();
    Map<String, Double> plain = new TreeMap<>();
    for (Sample s : samples) {
      String base = histogramBase(s.name(), types);
      if (base != null) {
        Map<String, String> labels = new LinkedHashMap<>(s.labels());
        String le = labels.remove("le");
        Histogram h = histograms.computeIfAbsent(base + "|" + series(labels), k -> new Histogram());
        if (s.name().endsWith("_bucket") && le != null) {
          h.buckets.put(le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le), s.value());
        } else if (s.name().endsWith("_count")) {
          h.count = s.value();
        } else if (s.name().endsWith("_sum")) {
          h.sum = s.value();
        }
      } else if (s.name().endsWith("_max") && histogramBase(s.name().replaceAll("_max$", "_count"), types) != null) {
        histograms.computeIfAbsent(s.name().replaceAll("_max$", "") + "|" + series(s.labels()), k -> new Histogram()).max = s.value();
      } else if (!s.name().endsWith("_max")) {
        // a timer's _max is a decaying recent peak: noise in a summary
        plain.put(s.name() + "|" + series(s.labels()), s.value());
      }
    }
    // zeros (no errors, empty queues, timers not used yet) are left out to keep it short, and counted
    List<List<String>> rows = new ArrayList<>();
    int zeros = 0;
    for (Map.Entry<String, Double> e : plain.entrySet()) {
      String name = e.getKey().substring(0, e.getKey().indexOf('|'));
      if (e.getValue() == 0) {
        zeros++;
        continue;
      }
      rows.add(List.of(name, e.getKey().substring(e.getKey().indexOf('|') + 1), plainValue(name, e.getValue())));
    }
    for (Map.Entry<String, Histogram> e : histograms.entrySet()) {
      String name = e.getKey().substring(0, e.getKey().indexOf('|'));
      Histogram h = e.getValue();
      if (h.count == 0) {
        zeros++;
        continue;
      }
      boolean seconds = name.endsWith("_seconds");
      String figures = h.buckets.isEmpty()
          ? String.format(Locale.ROOT, "%s, mean %s", number(h.count), value(h.sum / h.count, seconds))
          : String.format(Locale.ROOT, "%s, p50 %s, p90 %s, mean %s", number(h.count),
              value(capped(quantile(0.5, h.buckets), h.max), seconds), value(capped(quantile(0.9, h.buckets), h.max), seconds),
              value(h.sum / h.count, seconds));
      rows.add(List.of(name, e.getKey().substring(e.getKey().indexOf('|') + 1), figures));
    }
    List<String> out = table(rows);
    if (zeros > 0) {
      out.add("(" + zeros + " more series at 0)");
    }
    return out;
  }

  /** histogram_quantile's estimate: the bucket holding the q-th observation, linear inside it; +Inf gives the last bound. */
  static double quantile(double q, TreeMap<Double, Double> cumulative) {
    if (cumulative.isEmpty()) {
      return Double.NaN;
    }
    double total = cumulative.lastEntry().getValue();
    if (total == 0) {
      return Double.NaN;
    }
    double rank = q * total;
    double lower = 0;
    double below = 0;
    for (Map.Entry<Double, Double> b : cumulative.entrySet()) {
      if (b.getValue() >= rank) {
        if (b.getKey().isInfinite()) {
          return lower;
        }
        double inBucket = b.getValue() - below;
        return inBucket == 0 ? b.getKey() : lower + (b.getKey() - lower) * (rank - below) / inBucket;
      }
      lower = b.getKey();
      below = b.getValue();
    }
    return lower;
  }

  /**
   * A bucket estimate is linear inside the bucket, so with few observations it can exceed the largest one: capped by
   * the timer's recent maximum when there is one (it decays to 0 after a few idle minutes).
   */
  static double capped(double estimate, double max) {
    return max > 0 && estimate > max ? max : estimate;
  }

  /** The metric a sample of a histogram (or of a timer without buckets, exported as a summary) belongs to. */
  private static String histogramBase(String name, Map<String, String> types) {
    for (String suffix : List.of("_bucket", "_count", "_sum")) {
      if (name.endsWith(suffix)) {
        String base = name.substring(0, name.length() - suffix.length());
        if ("histogram".equals(types.get(base)) || "summary".equals(types.get(base))) {
          return base;
        }
      }
    }
    return null;
  }

  /** {@code ns/name} for the namespace and the object's name label, then the other labels as k=v. */
  static String series(Map<String, String> labels) {
    List<String> parts = new ArrayList<>();
    Map<String, String> rest = new LinkedHashMap<>(labels);
    String ns = rest.remove("namespace");
    String object = null;
    for (String key : List.of("app", "backup", "policy", "release")) {
      if (object == null && rest.containsKey(key)) {
        object = rest.remove(key);
      }
    }
    if (ns != null || object != null) {
      parts.add((ns == null ? "" : ns + "/") + (object == null ? "" : object));
    }
    rest.forEach((k, v) -> parts.add(k + "=" + v));
    return parts.isEmpty() ? "-" : String.join(" ", parts);
  }

  /** One line of the Prometheus text format (not a comment), or null if it has no value. */
  public static Sample parse(String line) {
    int brace = line.indexOf('{');
    int space = line.lastIndexOf(' ');
    if (space < 0) {
      return null;
    }
    Map<String, String> labels = new LinkedHashMap<>();
    String name;
    if (brace >= 0 && brace < space) {
      name = line.substring(0, brace);
      int i = brace + 1;
      while (i < line.length() && line.charAt(i) != '}') {
        int eq = line.indexOf('=', i);
        String key = line.substring(i, eq).trim();
        StringBuilder value = new StringBuilder();
        int j = eq + 2; // past ="
        while (line.charAt(j) != '"') {
          if (line.charAt(j) == '\\') {
            j++;
          }
          value.append(line.charAt(j++));
        }
        labels.put(key, value.toString());
        i = j + 1;
        if (i < line.length() && line.charAt(i) == ',') {
          i++;
        }
      }
    } else {
      name = line.substring(0, line.indexOf(' '));
    }
    try {
      return new Sample(name, labels, Double.parseDouble(line.substring(space + 1).trim()));
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** Timestamps as instants, sizes in MiB, anything else as a number. */
  static String plainValue(String name, double v) {
    if (name.endsWith("_timestamp_seconds")) {
      return java.time.Instant.ofEpochSecond((long) v).toString();
    }
    if (name.endsWith("_bytes")) {
      return v < 1024 * 1024 ? number(v) + " B" : String.format(Locale.ROOT, "%.1f MiB", v / (1024 * 1024));
    }
    return number(v);
  }

  static String value(double v, boolean seconds) {
    if (Double.isNaN(v)) {
      return "-";
    }
    if (!seconds) {
      return number(v);
    }
    if (v < 1) {
      return String.format(Locale.ROOT, "%.0f ms", v * 1000);
    }
    if (v < 120) {
      return String.format(Locale.ROOT, "%.1f s", v);
    }
    if (v < 7200) {
      return String.format(Locale.ROOT, "%.1f min", v / 60);
    }
    return String.format(Locale.ROOT, "%.1f h", v / 3600);
  }

  static String number(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : String.format(Locale.ROOT, "%.3g", v);
  }

  private static List<String> table(List<List<String>> rows) {
    int[] widths = new int[3];
    for (List<String> r : rows) {
      for (int i = 0; i < 3; i++) {
        widths[i] = Math.max(widths[i], r.get(i).length());
      }
    }
    List<String> out = new ArrayList<>();
    for (List<String> r : rows) {
      out.add(String.format("%-" + (widths[0] + 2) + "s%-" + (widths[1] + 2) + "s%s", r.get(0), r.get(1), r.get(2)).stripTrailing());
    }
    return out;
  }
}
