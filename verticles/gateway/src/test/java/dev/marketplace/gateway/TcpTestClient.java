package dev.marketplace.gateway;

import dev.marketplace.platform.testing.OnEventLoop;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetSocket;
import io.vertx.ext.eventbus.bridge.tcp.impl.protocol.FrameHelper;
import io.vertx.ext.eventbus.bridge.tcp.impl.protocol.FrameParser;

import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A blocking test client of the TCP bridge that reads and writes with vertx-tcp-eventbus-bridge's
 * own {@link FrameParser} and {@link FrameHelper}: what it understands, the standard bridge's
 * clients understand.
 */
final class TcpTestClient implements AutoCloseable {
  final NetSocket socket;
  final BlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();
  final CompletableFuture<Void> closed = new CompletableFuture<>();

  private TcpTestClient(NetSocket socket) {
    this.socket = socket;
    socket.handler(new FrameParser(ar -> {
      if (ar.succeeded()) {
        frames.add(ar.result());
      }
    }));
    socket.closeHandler(v -> closed.complete(null));
  }

  static TcpTestClient connect(Vertx vertx, int port) throws Exception {
    // the refusal the bridge sends at once must not arrive before the handler (see OnEventLoop)
    return OnEventLoop.run(vertx, () -> vertx.createNetClient().connect(port, "127.0.0.1").map(TcpTestClient::new))
      .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  void write(JsonObject frame) {
    FrameHelper.writeFrame(frame, socket);
  }

  void writeRaw(Buffer bytes) {
    socket.write(bytes);
  }

  /** Sends with a fresh reply address and waits for the frame answering it. */
  JsonObject request(String address, JsonObject body, JsonObject headers) throws Exception {
    String replyAddress = UUID.randomUUID().toString();
    JsonObject frame = new JsonObject().put("type", "send").put("address", address).put("replyAddress", replyAddress).put("body", body);
    if (headers != null) {
      frame.put("headers", headers);
    }
    write(frame);
    return awaitFrame(f -> replyAddress.equals(f.getString("address")));
  }

  JsonObject awaitFrame(java.util.function.Predicate<JsonObject> wanted) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      JsonObject frame = frames.poll(100, TimeUnit.MILLISECONDS);
      if (frame != null && wanted.test(frame)) {
        return frame;
      }
    }
    throw new AssertionError("no such frame within 10 s");
  }

  JsonObject next() throws Exception {
    JsonObject frame = frames.poll(10, TimeUnit.SECONDS);
    if (frame == null) {
      throw new AssertionError("no frame within 10 s");
    }
    return frame;
  }

  boolean closedWithin(long ms) {
    try {
      closed.get(ms, TimeUnit.MILLISECONDS);
      return true;
    } catch (Exception e) {
      return false;
    }
  }

  @Override
  public void close() {
    socket.close();
  }
}
