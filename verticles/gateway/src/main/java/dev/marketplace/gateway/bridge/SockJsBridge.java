package dev.marketplace.gateway.bridge;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandlerOptions;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;

/**
 * The SockJS bridge at {@code /eventbus} on the gateway's HTTP port, for browsers and Node
 * ({@code @vertx/eventbus-bridge-client.js}): vertx-web's SockJS transport (WebSocket, XHR
 * streaming and polling...) carrying the frames of vertx-web's bridge ({@code rec} for messages,
 * {@code err} for failures), served by the same {@link BridgeCore} as the TCP bridge, so both
 * bridges keep exactly the same rules.
 */
final class SockJsBridge {
  static final String PATH = "/eventbus";

  private SockJsBridge() {
  }

  static void mount(Vertx vertx, Router router, BridgeCore core, long maxBodyBytes) {
    SockJSHandlerOptions options = new SockJSHandlerOptions()
      .setRegisterWriteHandler(false)
      // tokens travel in frame headers, never in cookies
      .setInsertJSESSIONID(false);
    Router sockJs = SockJSHandler.create(vertx, options).socketHandler(socket -> {
      SockJsConnection connection = new SockJsConnection(socket);
      socket.closeHandler(v -> core.closed(connection));
      socket.exceptionHandler(err -> connection.close());
      if (core.opened(connection)) {
        socket.handler(data -> core.frame(connection, data));
      }
    });
    BodyHandler bodies = BodyHandler.create(false).setBodyLimit(maxBodyBytes);
    router.route(PATH + "/*").handler(ctx -> {
      if (ctx.request().headers().contains(HttpHeaders.UPGRADE, HttpHeaders.WEBSOCKET, true)) {
        ctx.next();
      } else {
        bodies.handle(ctx);
      }
    });
    router.route(PATH + "/*").subRouter(sockJs);
  }

  private static final class SockJsConnection extends BridgeConnection {
    private final SockJSSocket socket;

    SockJsConnection(SockJSSocket socket) {
      this.socket = socket;
    }

    @Override
    String remoteHost() {
      return socket.remoteAddress() == null ? "unknown" : socket.remoteAddress().hostAddress();
    }

    @Override
    void reply(String replyAddress, JsonObject body) {
      write(new JsonObject().put("type", "rec").put("address", replyAddress).put("body", body));
    }

    @Override
    void deliver(String address, JsonObject body) {
      write(new JsonObject().put("type", "rec").put("address", address).put("body", body));
    }

    @Override
    void replyFailure(String replyAddress, String sourceAddress, int status, String code, JsonObject problem) {
      write(new JsonObject().put("type", "err").put("address", replyAddress).put("failureCode", status)
        .put("failureType", "RECIPIENT_FAILURE").put("message", code).put("body", problem));
    }

    /** vertx-web's bridge puts a refusal's reason in {@code body}; with an address, clients route it to that handler. */
    @Override
    void error(String address, Integer status, String message) {
      JsonObject frame = new JsonObject().put("type", "err").put("body", message);
      if (address != null) {
        frame.put("address", address).put("failureType", "RECIPIENT_FAILURE");
      }
      if (status != null) {
        frame.put("failureCode", status);
      }
      write(frame.put("message", message));
    }

    @Override
    void pong() {
      // SockJS has its own heartbeats; vertx-web's bridge answers no ping
    }

    @Override
    protected void closeTransport() {
      socket.close();
    }

    private void write(JsonObject frame) {
      if (!isClosed()) {
        // text, so that a raw WebSocket client gets text frames too
        socket.write(frame.encode());
      }
    }
  }
}
