package dev.marketplace.gateway;

import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A blocking test client of the SockJS bridge over SockJS's raw WebSocket transport: one JSON frame per text message. */
final class SockJsTestClient implements AutoCloseable {
  final BlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();
  final CompletableFuture<Void> closed = new CompletableFuture<>();
  private final WebSocket socket;

  SockJsTestClient(int httpPort) throws Exception {
    StringBuilder partial = new StringBuilder();
    socket = HttpClient.newHttpClient().newWebSocketBuilder()
      .buildAsync(URI.create("ws://127.0.0.1:" + httpPort + "/eventbus/websocket"), new WebSocket.Listener() {
        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
          partial.append(data);
          if (last) {
            frames.add(new JsonObject(partial.toString()));
            partial.setLength(0);
          }
          ws.request(1);
          return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
          closed.complete(null);
          return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
          closed.complete(null);
        }
      }).get(10, TimeUnit.SECONDS);
  }

  void send(String text) throws Exception {
    socket.sendText(text, true).get(10, TimeUnit.SECONDS);
  }

  JsonObject request(String address, JsonObject body, JsonObject headers) throws Exception {
    String replyAddress = UUID.randomUUID().toString();
    JsonObject frame = new JsonObject().put("type", "send").put("address", address).put("replyAddress", replyAddress).put("body", body);
    if (headers != null) {
      frame.put("headers", headers);
    }
    send(frame.encode());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      JsonObject f = frames.poll(100, TimeUnit.MILLISECONDS);
      if (f != null && replyAddress.equals(f.getString("address"))) {
        return f;
      }
    }
    throw new AssertionError("no reply within 10 s");
  }

  JsonObject next() throws Exception {
    JsonObject frame = frames.poll(10, TimeUnit.SECONDS);
    if (frame == null) {
      throw new AssertionError("no frame within 10 s");
    }
    return frame;
  }

  @Override
  public void close() {
    socket.abort();
  }
}
