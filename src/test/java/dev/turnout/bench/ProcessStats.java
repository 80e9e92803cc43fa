package dev.turnout.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What the operator process says about itself, read from outside as a user would: its /q/metrics (Prometheus text),
 * its resident set from /proc/&lt;pid&gt;/status, and jcmd for a full GC and a class histogram.
 */
final class ProcessStats {
  private final long pid;
  private final URI metrics;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  ProcessStats(long pid, URI metrics) {
    this.pid = pid;
    this.metrics = metrics;
  }

  /** The exposition text of /q/metrics. */
  String scrape() {
    try {
      return http.send(HttpRequest.newBuilder(metrics).timeout(Duration.ofSeconds(20)).build(),
          HttpResponse.BodyHandlers.ofString()).body();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Sum of the samples of {@code name} whose label text contains every one of {@code labels} (e.g. kind="AppRelease"). */
  static double sumIn(String text, String name, String... labels) {
    double total = 0;
    for (String line : text.split("\n")) {
      if (line.startsWith("#") || !(line.startsWith(name + "{") || line.startsWith(name + " "))) {
        continue;
      }
      int space = line.lastIndexOf(' ');
      String series = line.substring(0, space);
      boolean all = true;
      for (String l : labels) {
        all &= series.contains(l);
      }
      if (all) {
        total += Double.parseDouble(line.substring(space + 1));
      }
    }
    return total;
  }

  double sum(String name, String... labels) {
    return sumIn(scrape(), name, labels);
  }

  /** VmRSS of the process, in bytes (Linux). */
  long rss() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return -1;
  }

  /** A field of /proc/&lt;pid&gt;/status or /proc/&lt;pid&gt;/smaps_rollup (e.g. "Threads", "Anonymous"), its number; -1 if absent. */
  long procField(String file, String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/" + file))) {
        if (line.startsWith(field + ":")) {
          return Long.parseLong(line.substring(field.length() + 1).replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException e) {
      return -1;
    }
    return -1;
  }

  /**
   * Where the resident set goes, for sizing the container: RSS split into anonymous memory (heap, malloc, stacks,
   * metaspace, code) and file-backed pages (the JDK's libraries and CDS archive, the jars' mappings), the thread count,
   * and, when the process runs with -XX:NativeMemoryTracking=summary, the JVM's own account per category (committed
   * MiB). What NMT does not see (glibc malloc's free lists and arenas, native libraries' own mallocs) is the gap between
   * its total and the anonymous RSS (thread stacks the other way: committed in full, resident only as far as used).
   */
  List<String> nativeBreakdown() {
    List<String> lines = new java.util.ArrayList<>();
    lines.add(String.format("RSS %d MiB = anonymous %d MiB + file-backed %d MiB (smaps_rollup); %d threads",
        procField("smaps_rollup", "Rss") >> 10, procField("smaps_rollup", "Anonymous") >> 10,
        (procField("smaps_rollup", "Rss") - procField("smaps_rollup", "Anonymous")) >> 10, procField("status", "Threads")));
    String nmt = jcmd("VM.native_memory summary scale=KB");
    if (!nmt.contains("Total:")) {
      return lines; // NMT not enabled in the process
    }
    StringBuilder b = new StringBuilder("NMT committed MiB:");
    java.util.regex.Matcher m = java.util.regex.Pattern
        .compile("(?m)^(?:Total:|-\\s+([^(]+?)\\s*\\()\\s*reserved=(\\d+)KB, committed=(\\d+)KB").matcher(nmt);
    while (m.find()) {
      String name = m.group(1) == null ? "total" : m.group(1).trim();
      b.append(' ').append(name).append(' ').append(Long.parseLong(m.group(3)) >> 10).append(',');
    }
    lines.add(b.substring(0, b.length() - 1));
    java.util.regex.Matcher malloc = java.util.regex.Pattern.compile("(?m)^\\s*malloc: (\\d+)KB").matcher(nmt);
    if (malloc.find()) {
      lines.add("NMT malloc total " + (Long.parseLong(malloc.group(1)) >> 10) + " MiB");
    }
    return lines;
  }

  /** Runs a full GC in the process (jcmd GC.run), then returns the heap in use from its metrics. */
  long heapAfterGc() {
    jcmd("GC.run");
    return (long) sum("jvm_memory_used_bytes", "area=\"heap\"");
  }

  /** Committed heap (what the JVM took from the OS for the heap). */
  long heapCommitted() {
    return (long) sum("jvm_memory_committed_bytes", "area=\"heap\"");
  }

  /** The top of jcmd GC.class_histogram: where the heap goes. */
  List<String> histogram(int lines) {
    return jcmd("GC.class_histogram").lines().limit(lines + 3L).toList();
  }

  String jcmd(String command) {
    try {
      Process p = new ProcessBuilder("jcmd", Long.toString(pid), command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      p.waitFor(60, TimeUnit.SECONDS);
      return out;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
