package dev.marketplace.app.e2e;

import dev.marketplace.contracts.orders.OrdersAddresses;
import dev.marketplace.platform.bus.Bus;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Orders through the public HTTP API with real accounts and tokens. Until checkout drives orders,
 * the test plays checkout and payment: it creates and moves orders with their internal bus
 * operations ({@code orders.create}, {@code orders.transition}); everything a buyer or seller does
 * goes through HTTP.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class OrdersE2ETest {
  private static final String PASSWORD = "Correct-Horse-9";
  private static MarketplaceHarness market;

  @BeforeAll
  static void up(VertxTestContext ctx) {
    MarketplaceHarness.start(config -> config.getJsonObject("auth").getJsonObject("throttle").put("address_max_failures", 10_000))
      .onSuccess(started -> market = started)
      .onComplete(ctx.succeedingThenComplete());
  }

  @AfterAll
  static void down(VertxTestContext ctx) {
    MarketplaceHarness.close(market).onComplete(ctx.succeedingThenComplete());
  }

  /** A new account of the role; {@code [user_id, access_token]}. */
  private static Future<String[]> account(String role) {
    String email = "orders-e2e-" + UUID.randomUUID() + "@example.com";
    return market.http.post("/api/v1/auth/register").sendJsonObject(
        new JsonObject().put("email", email).put("password", PASSWORD).put("name", "E2E").put("role", role))
      .compose(registered -> {
        assertThat(registered.statusCode()).as(registered.bodyAsString()).isEqualTo(201);
        return market.http.post("/api/v1/auth/login").sendJsonObject(new JsonObject().put("email", email).put("password", PASSWORD))
          .map(login -> {
            assertThat(login.statusCode()).as(login.bodyAsString()).isEqualTo(200);
            return new String[] {registered.bodyAsJsonObject().getString("user_id"), login.bodyAsJsonObject().getString("access_token")};
          });
      });
  }

  private static Future<JsonObject> bus(String address, JsonObject body) {
    return Bus.request(market.vertx, address, body, 10_000);
  }

  /** What checkout and payment would do: an order of one line of the seller's, moved to PAID. */
  private static Future<JsonObject> paidOrder(String buyerId, String sellerId) {
    String orderId = UUID.randomUUID().toString();
    Future<JsonObject> chain = bus(OrdersAddresses.CREATE, new JsonObject().put("order_id", orderId).put("buyer_id", buyerId).put("currency", "RUB")
      .put("lines", new JsonArray().add(new JsonObject().put("product_id", UUID.randomUUID().toString()).put("seller_id", sellerId)
        .put("title", "Чайник").put("quantity", 2).put("unit_price", new JsonObject().put("amount", 199_900).put("currency", "RUB")))));
    for (String to : List.of("RESERVED", "PENDING_PAYMENT", "PAID")) {
      chain = chain.compose(v -> bus(OrdersAddresses.TRANSITION, new JsonObject().put("order_id", orderId).put("to", to)));
    }
    return chain.compose(v -> bus(OrdersAddresses.GET, new JsonObject().put("order_id", orderId)));
  }

  private static Future<HttpResponse<Buffer>> get(String path, String token) {
    return market.http.get(path).bearerTokenAuthentication(token).send();
  }

  private static Future<HttpResponse<Buffer>> post(String path, String token) {
    return market.http.post(path).bearerTokenAuthentication(token).send();
  }

  @Test
  void aSellerSetsStockOfTheirOwnProductAndTheCatalogShowsIt(VertxTestContext ctx) {
    JsonObject listing = new JsonObject().put("title", "Кружка Stockwell").put("description", "Фарфор")
      .put("brand", "Stockwell").put("category_id", 53).put("price", new JsonObject().put("amount", 59_900).put("currency", "RUB"))
      .put("attributes", new JsonObject());
    account("seller").compose(seller -> account("seller").compose(rival ->
      market.http.post("/api/v1/seller/products").bearerTokenAuthentication(seller[1]).sendJsonObject(listing).compose(created -> {
        ctx.verify(() -> assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201));
        String id = created.bodyAsJsonObject().getString("id");
        AtomicInteger shown = new AtomicInteger(-1);
        return market.http.put("/api/v1/seller/products/" + id + "/stock").bearerTokenAuthentication(rival[1])
            .sendJsonObject(new JsonObject().put("warehouse", "kazan").put("quantity", 1000))
          .map(foreign -> ctx.verify(() -> assertThat(foreign.statusCode()).isEqualTo(404)))
          .compose(v -> market.http.put("/api/v1/seller/products/" + id + "/stock").bearerTokenAuthentication(seller[1])
            .sendJsonObject(new JsonObject().put("warehouse", "kazan").put("quantity", -1)))
          .map(bad -> ctx.verify(() -> {
            assertThat(bad.statusCode()).isEqualTo(400);
            assertThat(bad.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("quantity");
          }))
          .compose(v -> market.http.put("/api/v1/seller/products/" + id + "/stock").bearerTokenAuthentication(seller[1])
            .sendJsonObject(new JsonObject().put("warehouse", "kazan").put("quantity", 7)))
          .map(stocked -> ctx.verify(() -> {
            assertThat(stocked.statusCode()).as(stocked.bodyAsString()).isEqualTo(200);
            assertThat(stocked.bodyAsJsonObject().getInteger("available")).isEqualTo(7);
          }))
          .compose(v -> market.http.put("/api/v1/seller/products/" + id + "/purchase-limit").bearerTokenAuthentication(seller[1])
            .sendJsonObject(new JsonObject().put("per_buyer", 1)))
          .map(limited -> ctx.verify(() -> assertThat(limited.statusCode()).as(limited.bodyAsString()).isEqualTo(200)))
          // catalog learns the availability from inventory.events
          .compose(v -> Waits.holds(market.vertx, "the catalog shows 7 available", 20_000, () -> market.http.get("/api/v1/catalog/products/" + id)
            .send().map(card -> shown.updateAndGet(before -> card.bodyAsJsonObject().getInteger("available", -1)) == 7)))
          .map(held -> ctx.verify(() -> assertThat(shown.get()).isEqualTo(7)));
      })))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aBuyerSeesAndCancelsOnlyTheirOwnOrdersAndAnotherBuyerGets404(VertxTestContext ctx) {
    account("buyer").compose(buyer -> account("buyer").compose(other -> account("seller").compose(seller ->
      paidOrder(buyer[0], seller[0]).map(order -> order.getString("id")).compose(orderId ->
        get("/api/v1/orders/" + orderId, buyer[1])
          .map(mine -> ctx.verify(() -> {
            assertThat(mine.statusCode()).as(mine.bodyAsString()).isEqualTo(200);
            assertThat(mine.bodyAsJsonObject().getJsonObject("total")).isEqualTo(new JsonObject().put("amount", 399_800).put("currency", "RUB"));
            assertThat(mine.bodyAsJsonObject().getJsonArray("history")).hasSize(4);
          }))
          .compose(v -> get("/api/v1/orders", buyer[1]))
          .map(list -> ctx.verify(() -> assertThat(list.bodyAsJsonObject().getJsonArray("items")).hasSize(1)))
          .compose(v -> get("/api/v1/orders/" + orderId, other[1]))
          .compose(foreignView -> post("/api/v1/orders/" + orderId + "/cancel", other[1]).map(foreignCancel -> ctx.verify(() -> {
            assertThat(foreignView.statusCode()).isEqualTo(404);
            assertThat(foreignView.getHeader("Content-Type")).startsWith("application/problem+json");
            assertThat(foreignCancel.statusCode()).isEqualTo(404);
          })))
          .compose(v -> get("/api/v1/orders", other[1]))
          .map(list -> ctx.verify(() -> assertThat(list.bodyAsJsonObject().getJsonArray("items")).isEmpty()))
          .compose(v -> get("/api/v1/orders/" + orderId, buyer[1]))
          .map(mine -> ctx.verify(() -> assertThat(mine.bodyAsJsonObject().getString("status")).isEqualTo("PAID")))
          .compose(v -> post("/api/v1/orders/" + orderId + "/cancel", buyer[1]))
          .map(cancelled -> ctx.verify(() -> {
            assertThat(cancelled.statusCode()).as(cancelled.bodyAsString()).isEqualTo(200);
            assertThat(cancelled.bodyAsJsonObject().getString("status")).isEqualTo("CANCELLED");
          }))))))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aSellerShipsAndDeliversTheirShipmentAndTheOrderFollows(VertxTestContext ctx) {
    account("buyer").compose(buyer -> account("seller").compose(seller -> account("seller").compose(otherSeller ->
      paidOrder(buyer[0], seller[0]).compose(order -> {
        String shipmentId = order.getJsonArray("shipments").getJsonObject(0).getString("id");
        return get("/api/v1/seller/orders", seller[1])
          .map(resp -> ctx.verify(() -> {
            JsonArray seen = resp.bodyAsJsonObject().getJsonArray("items");
            assertThat(seen).hasSize(1);
            assertThat(seen.getJsonObject(0).getString("id")).isEqualTo(shipmentId);
          }))
          .compose(v -> get("/api/v1/seller/orders", otherSeller[1]))
          .map(resp -> ctx.verify(() -> assertThat(resp.bodyAsJsonObject().getJsonArray("items")).isEmpty()))
          .compose(v -> post("/api/v1/seller/shipments/" + shipmentId + "/ship", otherSeller[1]))
          .map(resp -> ctx.verify(() -> assertThat(resp.statusCode()).isEqualTo(404)))
          .compose(v -> post("/api/v1/seller/shipments/" + shipmentId + "/ship", buyer[1]))
          .map(resp -> ctx.verify(() -> assertThat(resp.statusCode()).isEqualTo(403)))
          .compose(v -> post("/api/v1/seller/shipments/" + shipmentId + "/ship", seller[1]))
          .map(shipped -> ctx.verify(() -> {
            assertThat(shipped.statusCode()).as(shipped.bodyAsString()).isEqualTo(200);
            assertThat(shipped.bodyAsJsonObject().getString("order_status")).isEqualTo("SHIPPED");
          }))
          .compose(v -> post("/api/v1/seller/shipments/" + shipmentId + "/deliver", seller[1]))
          .map(delivered -> ctx.verify(() -> assertThat(delivered.bodyAsJsonObject().getString("order_status")).isEqualTo("DELIVERED")))
          .compose(v -> get("/api/v1/orders/" + order.getString("id"), buyer[1]))
          .map(resp -> ctx.verify(() -> assertThat(resp.bodyAsJsonObject().getJsonArray("history").stream().map(h -> ((JsonObject) h).getString("status")))
            .containsExactly("NEW", "RESERVED", "PENDING_PAYMENT", "PAID", "SHIPPED", "DELIVERED")))
          .compose(v -> post("/api/v1/orders/" + order.getString("id") + "/cancel", buyer[1]))
          .map(resp -> ctx.verify(() -> assertThat(resp.statusCode()).isEqualTo(409)));
      }))))
      .onComplete(ctx.succeedingThenComplete());
  }
}
