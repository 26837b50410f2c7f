package dev.marketplace.gateway;

import dev.marketplace.platform.testing.OnEventLoop;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetSocket;
import io.vertx.ext.eventbus.bridge.tcp.impl.protocol.FrameHelper;
import io.vertx.ext.eventbus.bridge.tcp.impl.protocol.FrameParser;

import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A test client of the TCP bridge that reads and writes with vertx-tcp-eventbus-bridge's own
 * {@link FrameParser} and {@link FrameHelper}: what it understands, the standard bridge's clients
 * understand. Its answers are futures, for a test's chain.
 */
final class TcpTestClient implements AutoCloseable {
  final NetSocket socket;
  final Frames frames;
  private final Promise<Void> closed = Promise.promise();

  private TcpTestClient(Vertx vertx, NetSocket socket) {
    this.socket = socket;
    this.frames = new Frames(vertx);
    socket.handler(new FrameParser(ar -> {
      if (ar.succeeded()) {
        frames.add(ar.result());
      }
    }));
    socket.closeHandler(v -> closed.tryComplete());
  }

  static Future<TcpTestClient> connect(Vertx vertx, int port) {
    // the refusal the bridge sends at once must not arrive before the handler (see OnEventLoop)
    return OnEventLoop.run(vertx, () -> vertx.createNetClient().connect(port, "127.0.0.1").map(socket -> new TcpTestClient(vertx, socket)));
  }

  void write(JsonObject frame) {
    FrameHelper.writeFrame(frame, socket);
  }

  void writeRaw(Buffer bytes) {
    socket.write(bytes);
  }

  /** Sends with a fresh reply address; the frame answering it (within {@link Frames#WAIT_MS}). */
  Future<JsonObject> request(String address, JsonObject body, JsonObject headers) {
    String replyAddress = UUID.randomUUID().toString();
    JsonObject frame = new JsonObject().put("type", "send").put("address", address).put("replyAddress", replyAddress).put("body", body);
    if (headers != null) {
      frame.put("headers", headers);
    }
    write(frame);
    return frames.first(f -> replyAddress.equals(f.getString("address")), "reply to " + address);
  }

  Future<JsonObject> next() {
    return frames.next();
  }

  /** Whether the bridge closed the connection within {@code ms}. */
  Future<Boolean> closedWithin(long ms) {
    return closed.future().map(true).timeout(ms, TimeUnit.MILLISECONDS)
      .recover(e -> e instanceof TimeoutException ? Future.succeededFuture(false) : Future.failedFuture(e));
  }

  @Override
  public void close() {
    socket.close();
  }
}
