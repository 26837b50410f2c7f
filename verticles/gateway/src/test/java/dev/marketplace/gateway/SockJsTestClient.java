package dev.marketplace.gateway;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * A test client of the SockJS bridge over SockJS's raw WebSocket transport (the JDK's WebSocket
 * client, not Vert.x's): one JSON frame per text message. Its answers are futures, for a test's chain.
 */
final class SockJsTestClient implements AutoCloseable {
  final Frames frames;
  private final CompletableFuture<Void> closed = new CompletableFuture<>();
  private final Vertx vertx;
  private WebSocket socket;

  private SockJsTestClient(Vertx vertx) {
    this.vertx = vertx;
    this.frames = new Frames(vertx);
  }

  /** Connected; the listener is in place before the handshake, so no frame is lost. */
  static Future<SockJsTestClient> connect(Vertx vertx, int httpPort) {
    SockJsTestClient client = new SockJsTestClient(vertx);
    StringBuilder partial = new StringBuilder();
    CompletableFuture<WebSocket> open = HttpClient.newHttpClient().newWebSocketBuilder()
      .buildAsync(URI.create("ws://127.0.0.1:" + httpPort + "/eventbus/websocket"), new WebSocket.Listener() {
        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
          partial.append(data);
          if (last) {
            client.frames.add(new JsonObject(partial.toString()));
            partial.setLength(0);
          }
          ws.request(1);
          return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
          client.closed.complete(null);
          return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
          client.closed.complete(null);
        }
      });
    return Future.fromCompletionStage(open, vertx.getOrCreateContext()).timeout(10, TimeUnit.SECONDS).map(socket -> {
      client.socket = socket;
      return client;
    });
  }

  Future<Void> send(String text) {
    return Future.fromCompletionStage(socket.sendText(text, true), vertx.getOrCreateContext()).timeout(10, TimeUnit.SECONDS).mapEmpty();
  }

  /** Sends with a fresh reply address; the frame answering it (within {@link Frames#WAIT_MS}). */
  Future<JsonObject> request(String address, JsonObject body, JsonObject headers) {
    String replyAddress = UUID.randomUUID().toString();
    JsonObject frame = new JsonObject().put("type", "send").put("address", address).put("replyAddress", replyAddress).put("body", body);
    if (headers != null) {
      frame.put("headers", headers);
    }
    return send(frame.encode()).compose(v -> frames.first(f -> replyAddress.equals(f.getString("address")), "reply to " + address));
  }

  Future<JsonObject> next() {
    return frames.next();
  }

  /** Completes once the server closed the socket; fails when it did not within {@code ms}. */
  Future<Void> closed(long ms) {
    return Future.fromCompletionStage(closed, vertx.getOrCreateContext()).timeout(ms, TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    socket.abort();
  }
}
