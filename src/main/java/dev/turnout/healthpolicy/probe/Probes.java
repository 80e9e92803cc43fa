package dev.turnout.healthpolicy.probe;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/** Small helpers shared by the probers. */
final class Probes {
  private Probes() {}

  static String hostPort(String host, int port) {
    return (host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
  }

  static String seconds(long millis) {
    return millis % 1000 == 0 ? (millis / 1000) + "s" : (millis / 1000.0) + "s";
  }

  /**
   * {@code future}, or a failed future with a {@link TimeoutException} once {@code millis} have passed, whichever comes
   * first (a hard deadline that also covers slow bodies, DNS and TLS handshakes).
   */
  static <T> Future<T> deadline(Vertx vertx, Future<T> future, long millis) {
    Promise<T> promise = Promise.promise();
    long timer = vertx.setTimer(millis, id -> promise.tryFail(new TimeoutException("deadline")));
    future.onComplete(ar -> {
      vertx.cancelTimer(timer);
      if (ar.succeeded()) {
        promise.tryComplete(ar.result());
      } else {
        promise.tryFail(ar.cause());
      }
    });
    return promise.future();
  }

  /** Calls {@code body}, turning a thrown exception into a failed future. */
  static <T> Future<T> safely(Supplier<Future<T>> body) {
    try {
      return body.get();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  static boolean isTimeout(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof TimeoutException || c instanceof io.netty.channel.ConnectTimeoutException
          || c instanceof java.net.SocketTimeoutException) {
        return true;
      }
    }
    return false;
  }

  /** A short, lower-case description of a connection error: "connection refused", "unknown host", ... */
  static String describe(Throwable t, long timeoutMillis) {
    if (isTimeout(t)) {
      return "timed out after " + seconds(timeoutMillis);
    }
    for (Throwable c = t; c != null; c = c.getCause()) {
      String m = c.getMessage() == null ? "" : c.getMessage();
      if (m.toLowerCase().contains("connection refused")) {
        return "connection refused";
      }
      if (c instanceof UnknownHostException || m.toLowerCase().contains("failed to resolve")
          || c.getClass().getSimpleName().contains("UnknownHost")) {
        return "unknown host";
      }
      if (c instanceof NoRouteToHostException || m.toLowerCase().contains("no route to host")) {
        return "no route to host";
      }
      if (m.toLowerCase().contains("connection reset")) {
        return "connection reset";
      }
      if (c instanceof javax.net.ssl.SSLException) {
        return "TLS error: " + m;
      }
      if (c instanceof ConnectException) {
        return "connect failed: " + m;
      }
    }
    String m = t.getMessage();
    return (m == null || m.isBlank()) ? t.getClass().getSimpleName() : m;
  }
}
