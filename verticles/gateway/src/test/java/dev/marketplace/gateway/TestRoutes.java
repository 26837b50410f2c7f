package dev.marketplace.gateway;

import dev.marketplace.contracts.bus.Codec;
import dev.marketplace.contracts.bus.Operation;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

import java.util.Set;

/** Routes that exist only in tests: they exercise the seams later route modules use. */
final class TestRoutes implements RouteModule {
  static final String WHOAMI = "test.whoami";

  @Override
  public void mount(Router router, GatewayContext gateway) {
    router.post("/test/echo").handler(ctx -> GatewayContext.sendJson(ctx, 200, GatewayContext.jsonBody(ctx)));
    router.get("/test/boom").handler(ctx -> {
      throw new IllegalStateException("relation \"secret_table\" does not exist");
    });
    router.get("/test/relay/:address").handler(ctx -> gateway.relay(ctx, gateway.client(ctx).call(document(ctx.pathParam("address")), new JsonObject()), 200));
    router.get("/test/as-user").handler(ctx -> {
      Identity.attach(ctx, new Identity("user-1", Set.of("seller", "buyer")));
      gateway.relay(ctx, gateway.client(ctx).call(document(WHOAMI), new JsonObject()), 200);
    });
  }

  /** An address with no typed operation of its own: JSON in, JSON out. */
  private static Operation<JsonObject, JsonObject> document(String address) {
    return Operation.of(address, Codec.DOCUMENT, Codec.DOCUMENT);
  }
}
