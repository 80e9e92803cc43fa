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
