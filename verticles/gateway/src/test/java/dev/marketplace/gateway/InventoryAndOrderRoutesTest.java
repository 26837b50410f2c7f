package dev.marketplace.gateway;

import dev.marketplace.contracts.BusHeaders;
import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.gateway.routes.InventoryRoutes;
import dev.marketplace.gateway.routes.OrderRoutes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.UUID;

import static dev.marketplace.gateway.ProblemAssert.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

/** The inventory and order routes: access, path ids, bodies handed to the components, their failures. */
@ExtendWith(VertxExtension.class)
class InventoryAndOrderRoutesTest {
  private static final String ID = UUID.randomUUID().toString();

  /** Test-only credentials: "Bearer <user>:<role>,<role>". */
  private static final Authenticator FAKE_TOKENS = FakeTokens.AUTHENTICATOR;

  /** Fake components: echo what they were asked and by whom; a foreign order is NOT_FOUND. */
  private static Future<GatewayFixture> deploy(Vertx vertx) {
    for (String address : List.of("inventory.stock.set", "inventory.purchase-limit.set", "orders.list", "orders.view",
      "orders.cancel", "orders.seller.shipments", "orders.shipment.ship", "orders.shipment.deliver")) {
      vertx.eventBus().<JsonObject>consumer(address, msg -> {
        if ("foreign".equals(msg.headers().get(BusHeaders.USER_ID))) {
          msg.fail(ErrorCode.NOT_FOUND.code(), new JsonObject().put("detail", "No such resource.").encode());
          return;
        }
        msg.reply(new JsonObject().put("address", address).put("body", msg.body())
          .put("user", msg.headers().get(BusHeaders.USER_ID)));
      });
    }
    // the business modules are mounted by the gateway itself; no extra ones here
    return GatewayFixture.deploy(vertx, GatewayFixture.config(), List.of(), FAKE_TOKENS);
  }

  private static JsonObject echo(HttpResponse<Buffer> resp) {
    assertThat(resp.statusCode()).as(resp.bodyAsString()).isEqualTo(200);
    return resp.bodyAsJsonObject();
  }

  @Test
  void modulesAreRegisteredInTheGateway() {
    assertThat(GatewayVerticle.businessModules()).hasAtLeastOneElementOfType(InventoryRoutes.class)
      .hasAtLeastOneElementOfType(OrderRoutes.class);
  }

  @Test
  void setStockPassesThePathIdAndRefusesOtherFields(Vertx vertx, VertxTestContext tc) {
    deploy(vertx).compose(g -> g.client.put("/api/v1/seller/products/" + ID + "/stock").putHeader("Authorization", "Bearer s1:seller")
        .sendJsonObject(new JsonObject().put("warehouse", "main").put("quantity", 5))
        .compose(ok -> {
          tc.verify(() -> {
            JsonObject echo = echo(ok);
            assertThat(echo.getString("address")).isEqualTo("inventory.stock.set");
            assertThat(echo.getJsonObject("body")).isEqualTo(new JsonObject().put("warehouse", "main").put("quantity", 5).put("product_id", ID));
            assertThat(echo.getString("user")).isEqualTo("s1");
          });
          return g.client.put("/api/v1/seller/products/" + ID + "/stock").putHeader("Authorization", "Bearer s1:seller")
            .sendJsonObject(new JsonObject().put("warehouse", "main").put("quantity", 5).put("product_id", UUID.randomUUID().toString()));
        })
        .compose(smuggled -> {
          tc.verify(() -> assertProblem(smuggled, 400, "VALIDATION_FAILED"));
          return g.client.put("/api/v1/seller/products/" + ID + "/stock").putHeader("Authorization", "Bearer b1:buyer")
            .sendJsonObject(new JsonObject().put("warehouse", "main").put("quantity", 5));
        })
        .compose(buyer -> {
          tc.verify(() -> assertProblem(buyer, 403, "FORBIDDEN"));
          return g.client.put("/api/v1/seller/products/not-a-uuid/purchase-limit").putHeader("Authorization", "Bearer s1:seller")
            .sendJsonObject(new JsonObject().put("per_buyer", 1));
        }))
      .onComplete(tc.succeeding(badId -> tc.verify(() -> {
        assertProblem(badId, 404, "NOT_FOUND");
        tc.completeNow();
      })));
  }

  @Test
  void purchaseLimitRouteHandsOverTheLimit(Vertx vertx, VertxTestContext tc) {
    deploy(vertx).compose(g -> g.client.put("/api/v1/seller/products/" + ID + "/purchase-limit").putHeader("Authorization", "Bearer s1:seller")
        .sendJsonObject(new JsonObject().put("per_buyer", 1)))
      .onComplete(tc.succeeding(resp -> tc.verify(() -> {
        JsonObject echo = echo(resp);
        assertThat(echo.getString("address")).isEqualTo("inventory.purchase-limit.set");
        assertThat(echo.getJsonObject("body")).isEqualTo(new JsonObject().put("per_buyer", 1).put("product_id", ID));
        tc.completeNow();
      })));
  }

  @Test
  void orderRoutesNeedAUserAndPassTheIds(Vertx vertx, VertxTestContext tc) {
    deploy(vertx).compose(g -> g.client.get("/api/v1/orders").send()
        .compose(anonymous -> {
          tc.verify(() -> assertProblem(anonymous, 401, "UNAUTHORIZED"));
          return g.client.get("/api/v1/orders?limit=5&cursor=abc").putHeader("Authorization", "Bearer b1:buyer").send();
        })
        .compose(list -> {
          tc.verify(() -> assertThat(echo(list).getJsonObject("body")).isEqualTo(new JsonObject().put("limit", 5L).put("cursor", "abc")));
          return g.client.get("/api/v1/orders/" + ID).putHeader("Authorization", "Bearer b1:buyer").send();
        })
        .compose(view -> {
          tc.verify(() -> {
            assertThat(echo(view).getString("address")).isEqualTo("orders.view");
            assertThat(echo(view).getJsonObject("body")).isEqualTo(new JsonObject().put("order_id", ID));
          });
          return g.client.post("/api/v1/orders/" + ID + "/cancel").putHeader("Authorization", "Bearer b1:buyer").send();
        })
        .compose(cancel -> {
          tc.verify(() -> assertThat(echo(cancel).getString("address")).isEqualTo("orders.cancel"));
          return g.client.get("/api/v1/orders/" + ID).putHeader("Authorization", "Bearer foreign:buyer").send();
        }))
      .onComplete(tc.succeeding(foreign -> tc.verify(() -> {
        assertProblem(foreign, 404, "NOT_FOUND");
        tc.completeNow();
      })));
  }

  @Test
  void sellerRoutesNeedTheSellerRole(Vertx vertx, VertxTestContext tc) {
    deploy(vertx).compose(g -> g.client.get("/api/v1/seller/orders?status=SHIPPED").putHeader("Authorization", "Bearer b1:buyer").send()
        .compose(buyer -> {
          tc.verify(() -> assertProblem(buyer, 403, "FORBIDDEN"));
          return g.client.get("/api/v1/seller/orders?status=SHIPPED").putHeader("Authorization", "Bearer s1:seller").send();
        })
        .compose(list -> {
          tc.verify(() -> assertThat(echo(list).getJsonObject("body")).isEqualTo(new JsonObject().put("status", "SHIPPED")));
          return g.client.post("/api/v1/seller/shipments/" + ID + "/ship").putHeader("Authorization", "Bearer s1:seller").send();
        })
        .compose(ship -> {
          tc.verify(() -> {
            assertThat(echo(ship).getString("address")).isEqualTo("orders.shipment.ship");
            assertThat(echo(ship).getJsonObject("body")).isEqualTo(new JsonObject().put("shipment_id", ID));
          });
          return g.client.post("/api/v1/seller/shipments/" + ID + "/deliver").putHeader("Authorization", "Bearer s1:seller").send();
        }))
      .onComplete(tc.succeeding(deliver -> tc.verify(() -> {
        assertThat(echo(deliver).getString("address")).isEqualTo("orders.shipment.deliver");
        tc.completeNow();
      })));
  }
}
