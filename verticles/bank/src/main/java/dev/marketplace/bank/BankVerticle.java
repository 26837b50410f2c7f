package dev.marketplace.bank;

import dev.marketplace.contracts.Components;
import dev.marketplace.platform.ComponentVerticle;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;

/**
 * The external bank's stand-in, on its own HTTP port ({@code bank.port}, default 8089). It is not
 * part of the platform: the payment component only ever talks HTTP to it, and it keeps no schema.
 */
public class BankVerticle extends ComponentVerticle {
  private HttpServer server;

  @Override
  protected String name() {
    return Components.BANK;
  }

  @Override
  protected boolean ownsSchema() {
    return false;
  }

  /** The port the bank listens on (useful when configured with port 0). */
  public int actualPort() {
    return server == null ? -1 : server.actualPort();
  }

  @Override
  protected Future<?> startComponent() {
    JsonObject bank = section();
    server = vertx.createHttpServer();
    server.requestHandler(req -> {
      if ("/health".equals(req.path())) {
        req.response().putHeader("content-type", "application/json").end(new JsonObject().put("status", "UP").encode());
      } else {
        req.response().setStatusCode(404).putHeader("content-type", "application/problem+json")
          .end(new JsonObject().put("type", "about:blank").put("title", "Not found").put("status", 404).encode());
      }
    });
    return server.listen(bank.getInteger("port", 8089), bank.getString("host", "0.0.0.0"));
  }

  @Override
  protected Future<?> stopComponent() {
    return server == null ? Future.succeededFuture() : server.close();
  }
}
