package dev.marketplace.gateway.bridge;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.parsetools.RecordParser;

import java.nio.charset.StandardCharsets;

/**
 * The TCP bridge: the framing of {@code vertx-tcp-eventbus-bridge} (a 4-byte big-endian length,
 * then that many bytes of UTF-8 JSON, replies as {@code type: "message"}, failures as
 * {@code type: "err"}), served by {@link BridgeCore}.
 *
 * <p>It is not the library's {@code TcpEventBusBridge} server: in 5.0.x that one buffers a frame of
 * any announced length, keeps a connection open after unparsable JSON, lets the client choose the
 * send timeout and message codec through headers, and offers no hook before its parser, so the
 * limits of the bridge API could not be kept there. The wire format is the same (the tests speak
 * to this server with the library's own frame parser and writer).
 */
final class TcpBridgeServer {
  private final Vertx vertx;
  private final BridgeSettings settings;
  private final BridgeCore core;
  private NetServer server;

  TcpBridgeServer(Vertx vertx, BridgeSettings settings, BridgeCore core) {
    this.vertx = vertx;
    this.settings = settings;
    this.core = core;
  }

  Future<Integer> listen() {
    server = vertx.createNetServer(new NetServerOptions().setTcpNoDelay(true));
    server.connectHandler(this::connected);
    return server.listen(settings.port(), settings.host()).map(NetServer::actualPort);
  }

  Future<Void> close() {
    return server == null ? Future.succeededFuture() : server.close();
  }

  private void connected(NetSocket socket) {
    TcpConnection connection = new TcpConnection(socket);
    socket.closeHandler(v -> core.closed(connection));
    socket.exceptionHandler(err -> connection.close());
    if (!core.opened(connection)) {
      return;
    }
    RecordParser parser = RecordParser.newFixed(4);
    boolean[] header = {true};
    parser.handler(record -> {
      if (connection.isClosed()) {
        return;
      }
      if (header[0]) {
        int length = record.getInt(0);
        if (length <= 0 || length > settings.maxFrameBytes()) {
          // refused before a byte of it is buffered
          core.refuseFrame(connection, length <= 0 ? "invalid_frame" : "frame_too_large");
          return;
        }
        header[0] = false;
        parser.fixedSizeMode(length);
      } else {
        header[0] = true;
        parser.fixedSizeMode(4);
        core.frame(connection, record);
      }
    });
    socket.handler(parser);
  }

  /** A TCP client; frames as the standard TCP bridge writes them. */
  private static final class TcpConnection extends BridgeConnection {
    private final NetSocket socket;

    TcpConnection(NetSocket socket) {
      this.socket = socket;
    }

    @Override
    String remoteHost() {
      return socket.remoteAddress() == null ? "unknown" : socket.remoteAddress().hostAddress();
    }

    @Override
    void reply(String replyAddress, JsonObject body) {
      write(new JsonObject().put("type", "message").put("address", replyAddress).put("headers", new JsonObject())
        .put("body", body).put("send", true));
    }

    @Override
    void deliver(String address, JsonObject body) {
      write(new JsonObject().put("type", "message").put("address", address).put("headers", new JsonObject())
        .put("body", body).put("send", false));
    }

    @Override
    void replyFailure(String replyAddress, String sourceAddress, int status, String code, JsonObject problem) {
      write(new JsonObject().put("type", "err").put("address", replyAddress).put("sourceAddress", sourceAddress)
        .put("failureCode", status).put("failureType", "RECIPIENT_FAILURE").put("message", code).put("body", problem));
    }

    @Override
    void error(String address, Integer status, String message) {
      JsonObject frame = new JsonObject().put("type", "err");
      if (address != null) {
        frame.put("address", address);
      }
      if (status != null) {
        frame.put("failureCode", status);
      }
      write(frame.put("message", message));
    }

    @Override
    void pong() {
      write(new JsonObject().put("type", "pong"));
    }

    @Override
    protected void closeTransport() {
      socket.close();
    }

    private void write(JsonObject frame) {
      if (isClosed()) {
        return;
      }
      byte[] bytes = frame.encode().getBytes(StandardCharsets.UTF_8);
      socket.write(Buffer.buffer(bytes.length + 4).appendInt(bytes.length).appendBytes(bytes));
    }
  }
}
