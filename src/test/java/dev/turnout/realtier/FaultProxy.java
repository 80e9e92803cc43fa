package dev.turnout.realtier;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.net.PemTrustOptions;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A fault-injecting proxy between one operator process and the real kube-apiserver (issue 13): plain HTTP on
 * 127.0.0.1 towards the operator (its kubeconfig points here; its bearer token passes through), TLS towards the API
 * server (certificate verified against the plane's CA). Ordinary requests are forwarded with their bodies streamed,
 * HTTP-streaming watches stay streams, and WebSocket upgrades (fabric8's watches) are proxied as WebSockets, message by
 * message, so nothing relies on the client's fallback to HTTP streaming.
 *
 * <p>What it injects, as the real server or network would show it, while {@link FaultPlan#active} is on (the test
 * flips it and reads the counts; every draw comes from one seeded {@link Random}, the seed is printed):
 * 409 Conflict and 500 InternalError answers (a {@code Status} object as the API server writes it) to writes before
 * they reach the server; a 500, or a closed connection, AFTER the server applied the write (the client cannot know it
 * happened); 1-3 s delays; watches closed every few seconds; and outages during which every request's connection is
 * closed unanswered. Leader-election Leases get delays and outages but no per-request errors: a lost Lease makes the
 * operator exit by design (exit-on-loss), which the two-replica scenario covers on its own.
 */
final class FaultProxy implements AutoCloseable {
  enum Kind { CONFLICT, ERROR_BEFORE, ERROR_AFTER_WRITE, CLOSED_AFTER_WRITE, SLOW, WATCH_DROPPED, OUTAGE_REFUSED }

  /** The probabilities, per request, of each fault; mutable from the test while the proxy runs. */
  static final class FaultPlan {
    volatile boolean active;
    volatile double conflict = 0.08;
    volatile double errorBefore = 0.05;
    volatile double errorAfterWrite = 0.05;
    volatile double closedAfterWrite = 0.03;
    volatile double slow = 0.08;
    volatile long watchDropEveryMs = 4000;
    volatile long outageEveryMs = 30_000;
    volatile long outageMs = 3000;
    /** Namespaces whose requests get no faults (an undisturbed twin of the scenario); watches are cluster-wide. */
    final Set<String> calm = ConcurrentHashMap.newKeySet();

    boolean calm(String path) {
      for (String ns : calm) {
        if (path.contains("/namespaces/" + ns + "/")) {
          return true;
        }
      }
      return false;
    }
  }

  private final Vertx vertx = Vertx.vertx();
  private final HttpServer server;
  private final HttpClient upstream;
  private final WebSocketClient wsUpstream;
  private final String host;
  private final int upstreamPort;
  private final Random random;
  final long seed;
  final FaultPlan plan = new FaultPlan();
  private final ConcurrentHashMap<Kind, java.util.concurrent.atomic.AtomicInteger> counts = new ConcurrentHashMap<>();
  /** Open watches: each entry closes its client side (and with it the upstream one). */
  private final Set<Runnable> watches = ConcurrentHashMap.newKeySet();
  private volatile long outageUntil;
  private final java.util.concurrent.atomic.AtomicInteger requests = new java.util.concurrent.atomic.AtomicInteger();
  private final java.util.concurrent.atomic.AtomicInteger faultableWrites = new java.util.concurrent.atomic.AtomicInteger();

  FaultProxy(String apiServerUrl, String caPem, long seed) throws Exception {
    this.seed = seed;
    this.random = new Random(seed);
    URI api = URI.create(apiServerUrl);
    host = api.getHost();
    upstreamPort = api.getPort();
    PemTrustOptions trust = new PemTrustOptions().addCertValue(Buffer.buffer(caPem));
    upstream = vertx.createHttpClient(new HttpClientOptions().setSsl(true).setTrustOptions(trust)
        .setMaxPoolSize(200).setKeepAlive(true));
    wsUpstream = vertx.createWebSocketClient(new WebSocketClientOptions().setSsl(true).setTrustOptions(trust)
        .setMaxConnections(500).setMaxMessageSize(256 * 1024 * 1024).setMaxFrameSize(1024 * 1024));
    server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0)
        .setMaxWebSocketMessageSize(256 * 1024 * 1024).setMaxWebSocketFrameSize(1024 * 1024))
        .requestHandler(this::handle)
        .listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    vertx.setPeriodic(500, id -> tick());
  }

  String url() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  int count(Kind kind) {
    var c = counts.get(kind);
    return c == null ? 0 : c.get();
  }

  java.util.Map<Kind, Integer> counts() {
    java.util.Map<Kind, Integer> out = new java.util.EnumMap<>(Kind.class);
    for (Kind k : Kind.values()) {
      out.put(k, count(k));
    }
    return out;
  }

  int requests() {
    return requests.get();
  }

  private void injected(Kind kind) {
    counts.computeIfAbsent(kind, k -> new java.util.concurrent.atomic.AtomicInteger()).incrementAndGet();
  }

  private synchronized double draw() {
    return random.nextDouble();
  }

  private synchronized long drawBetween(long from, long to) {
    return from + (long) (random.nextDouble() * (to - from));
  }

  private long nextDrop = System.currentTimeMillis() + 4000;
  private long nextOutage = System.currentTimeMillis() + 15_000;

  /** Every half second: drop a watch when one is due, start an outage when one is due. */
  private void tick() {
    long now = System.currentTimeMillis();
    if (!plan.active) {
      nextDrop = now + plan.watchDropEveryMs;
      nextOutage = now + plan.outageEveryMs / 2;
      return;
    }
    if (now >= nextDrop && !watches.isEmpty()) {
      List<Runnable> open = List.copyOf(watches);
      open.get((int) drawBetween(0, open.size())).run();
      injected(Kind.WATCH_DROPPED);
      nextDrop = now + drawBetween(plan.watchDropEveryMs / 2, plan.watchDropEveryMs * 3 / 2);
    }
    if (plan.outageEveryMs > 0 && now >= nextOutage) {
      outageUntil = now + plan.outageMs;
      // the server "restarts": every watch ends with it
      for (Runnable close : List.copyOf(watches)) {
        close.run();
        injected(Kind.WATCH_DROPPED);
      }
      nextOutage = now + drawBetween(plan.outageEveryMs * 3 / 4, plan.outageEveryMs * 5 / 4);
    }
  }

  private void handle(HttpServerRequest req) {
    requests.incrementAndGet();
    req.pause();
    HttpConnection connection = req.connection();
    boolean faults = plan.active && !plan.calm(req.path());
    if (faults && System.currentTimeMillis() < outageUntil) {
      injected(Kind.OUTAGE_REFUSED);
      connection.close();
      return;
    }
    long delay = faults && draw() < plan.slow ? drawBetween(1000, 3000) : 0;
    if (delay > 0) {
      injected(Kind.SLOW);
      vertx.setTimer(delay, id -> route(req, faults));
    } else {
      route(req, faults);
    }
  }

  private void route(HttpServerRequest req, boolean faults) {
    boolean upgrade = "websocket".equalsIgnoreCase(req.getHeader("Upgrade"));
    if (upgrade) {
      proxyWebSocket(req);
      return;
    }
    boolean write = req.method() != HttpMethod.GET && req.method() != HttpMethod.HEAD;
    boolean lease = req.path().contains("/apis/coordination.k8s.io/");
    if (faults && write && !lease) {
      // a 409 Conflict answers an update or patch (stale resourceVersion, apply conflict), never a create or delete
      boolean update = req.method() == HttpMethod.PUT || req.method() == HttpMethod.PATCH;
      double d = draw();
      Kind kind = update && d < plan.conflict ? Kind.CONFLICT
          : d < plan.conflict + plan.errorBefore ? Kind.ERROR_BEFORE
          : d < plan.conflict + plan.errorBefore + plan.errorAfterWrite ? Kind.ERROR_AFTER_WRITE
          : d < plan.conflict + plan.errorBefore + plan.errorAfterWrite + plan.closedAfterWrite ? Kind.CLOSED_AFTER_WRITE
          : null;
      // every tenth write, a kind of write fault not injected yet is: a run injects each kind at least once
      if (faultableWrites.incrementAndGet() % 10 == 0 && starved(update) != null) {
        kind = starved(update);
      }
      if (kind == Kind.CONFLICT) {
        injected(Kind.CONFLICT);
        status(req, 409, "Conflict", "Operation cannot be fulfilled on " + resource(req)
            + ": the object has been modified; please apply your changes to the latest version and try again");
        return;
      }
      if (kind == Kind.ERROR_BEFORE) {
        injected(Kind.ERROR_BEFORE);
        status(req, 500, "InternalError", "Internal error occurred: etcdserver: request timed out");
        return;
      }
      if (kind != null) {
        forward(req, kind); // applied by the server, then answered with a 500 or a cut connection
        return;
      }
    }
    forward(req, null);
  }

  private Kind starved(boolean update) {
    for (Kind k : List.of(Kind.CLOSED_AFTER_WRITE, Kind.ERROR_AFTER_WRITE, Kind.ERROR_BEFORE, Kind.CONFLICT)) {
      if (count(k) == 0 && (k != Kind.CONFLICT || update)) {
        return k;
      }
    }
    return null;
  }

  private static String resource(HttpServerRequest req) {
    String[] parts = req.path().split("/");
    return parts.length >= 2 ? parts[parts.length - 2] + " \"" + parts[parts.length - 1] + "\"" : req.path();
  }

  /** As the API server answers a failed request: a v1 Status object. */
  private static void status(HttpServerRequest req, int code, String reason, String message) {
    String body = new io.vertx.core.json.JsonObject().put("kind", "Status").put("apiVersion", "v1")
        .put("metadata", new io.vertx.core.json.JsonObject()).put("status", "Failure").put("message", message)
        .put("reason", reason).put("code", code).encode();
    Runnable answer = () -> req.response().setStatusCode(code).putHeader("Content-Type", "application/json").end(body);
    if (req.isEnded()) {
      answer.run(); // after the write was forwarded: its body is gone already
    } else {
      req.resume();
      req.end().onComplete(x -> answer.run());
    }
  }

  private MultiMap upstreamHeaders(MultiMap in) {
    MultiMap out = MultiMap.caseInsensitiveMultiMap();
    for (var e : in.entries()) {
      String k = e.getKey().toLowerCase(Locale.ROOT);
      if (!k.equals("host") && !k.equals("connection") && !k.equals("upgrade") && !k.equals("keep-alive")
          && !k.startsWith("sec-websocket-") && !k.equals("transfer-encoding")) {
        out.add(e.getKey(), e.getValue());
      }
    }
    return out;
  }

  /** Forwards the request; {@code after}: a fault to answer with once the server has answered (and applied it). */
  private void forward(HttpServerRequest req, Kind after) {
    RequestOptions options = new RequestOptions().setMethod(req.method()).setHost(host).setPort(upstreamPort)
        .setURI(req.uri()).setHeaders(upstreamHeaders(req.headers())).setTimeout(0);
    upstream.request(options).onFailure(e -> req.connection().close()).onSuccess(out -> {
      out.response().onFailure(e -> req.connection().close()).onSuccess(in -> answer(req, in, after));
      out.send(req).onFailure(e -> req.connection().close());
    });
  }

  private void answer(HttpServerRequest req, HttpClientResponse in, Kind after) {
    if (after != null && in.statusCode() < 300) {
      in.body().onComplete(x -> {
        injected(after);
        if (after == Kind.ERROR_AFTER_WRITE) {
          status(req, 500, "InternalError", "Internal error occurred: the server was unable to return a response in the time allotted");
        } else {
          req.connection().close();
        }
      });
      return;
    }
    var response = req.response().setStatusCode(in.statusCode()).setStatusMessage(in.statusMessage());
    for (var e : in.headers().entries()) {
      String k = e.getKey().toLowerCase(Locale.ROOT);
      if (!k.equals("connection") && !k.equals("transfer-encoding") && !k.equals("keep-alive")) {
        response.headers().add(e.getKey(), e.getValue());
      }
    }
    if (!response.headers().contains("Content-Length")) {
      response.setChunked(true);
    }
    String watch = req.getParam("watch");
    if ("true".equals(watch) || "1".equals(watch)) {
      // an HTTP-streaming watch (fabric8's fallback): droppable like a WebSocket one
      Runnable drop = () -> req.connection().close();
      watches.add(drop);
      response.closeHandler(v -> watches.remove(drop));
      response.endHandler(v -> watches.remove(drop));
    }
    in.pipeTo(response);
  }

  private void proxyWebSocket(HttpServerRequest req) {
    WebSocketConnectOptions options = new WebSocketConnectOptions().setHost(host).setPort(upstreamPort).setSsl(true)
        .setURI(req.uri()).setHeaders(upstreamHeaders(req.headers()));
    String protocols = req.getHeader("Sec-WebSocket-Protocol");
    if (protocols != null) {
      for (String p : protocols.split(",")) {
        options.addSubProtocol(p.trim());
      }
    }
    // the server's first messages (a watch's events) can arrive before the client's side is accepted, on another event
    // loop: handlers set before connecting hold them until then (pausing after the connect came too late now and then)
    EarlyMessages early = new EarlyMessages();
    io.vertx.core.http.ClientWebSocket up = wsUpstream.webSocket();
    up.textMessageHandler(early::text);
    up.binaryMessageHandler(early::binary);
    up.connect(options).onFailure(e -> {
      // the upgrade refused: answer as the server did when it said why, else as a failed connection
      if (e instanceof io.vertx.core.http.UpgradeRejectedException r) {
        req.resume();
        req.response().setStatusCode(r.getStatus()).end(r.getBody() == null ? Buffer.buffer() : r.getBody());
      } else {
        req.connection().close();
      }
    }).onSuccess(connected -> req.toWebSocket().onFailure(e -> up.close()).onSuccess(down -> pipe(req, down, up, early)));
  }

  private void pipe(HttpServerRequest req, ServerWebSocket down, WebSocket up, EarlyMessages early) {
    HttpConnection connection = req.connection();
    Runnable drop = () -> {
      // half of the drops as the server ends a watch (a close frame), half as a cut connection
      if (draw() < 0.5) {
        down.close((short) 1000);
      } else {
        connection.close();
      }
      up.close();
    };
    watches.add(drop);
    early.relayTo(down);
    down.textMessageHandler(up::writeTextMessage);
    down.binaryMessageHandler(up::writeBinaryMessage);
    up.closeHandler(v -> {
      watches.remove(drop);
      if (!down.isClosed()) {
        down.close(up.closeStatusCode() == null ? (short) 1000 : up.closeStatusCode());
      }
    });
    down.closeHandler(v -> {
      watches.remove(drop);
      if (!up.isClosed()) {
        up.close();
      }
    });
    up.exceptionHandler(e -> down.close());
    down.exceptionHandler(e -> up.close());
    if (up.isClosed() && !down.isClosed()) {
      down.close(); // the server ended it before the client's side was accepted
    }
  }

  /** The server's messages, held until the client's WebSocket is accepted, then relayed in order. */
  static final class EarlyMessages {
    private final List<Object> held = new java.util.ArrayList<>();
    private ServerWebSocket down;

    synchronized void text(String message) {
      if (down == null) {
        held.add(message);
      } else {
        down.writeTextMessage(message);
      }
    }

    synchronized void binary(Buffer message) {
      if (down == null) {
        held.add(message);
      } else {
        down.writeBinaryMessage(message);
      }
    }

    synchronized void relayTo(ServerWebSocket client) {
      for (Object m : held) {
        if (m instanceof String text) {
          client.writeTextMessage(text);
        } else {
          client.writeBinaryMessage((Buffer) m);
        }
      }
      held.clear();
      down = client;
    }
  }

  @Override
  public void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
