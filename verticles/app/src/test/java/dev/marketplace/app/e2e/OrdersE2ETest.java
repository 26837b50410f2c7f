package dev.marketplace.app.e2e;

import dev.marketplace.contracts.orders.OrdersAddresses;
import dev.marketplace.platform.bus.Bus;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.UUID;

import static dev.marketplace.app.e2e.MarketplaceHarness.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Orders through the public HTTP API with real accounts and tokens. Until checkout drives orders,
 * the test plays checkout and payment: it creates and moves orders with their internal bus
 * operations ({@code orders.create}, {@code orders.transition}); everything a buyer or seller does
 * goes through HTTP.
 */
class OrdersE2ETest {
  private static final String PASSWORD = "Correct-Horse-9";
  private static MarketplaceHarness market;

  @BeforeAll
  static void up() throws Exception {
    market = MarketplaceHarness.start(config -> config.getJsonObject("auth").getJsonObject("throttle").put("address_max_failures", 10_000));
  }

  @AfterAll
  static void down() throws Exception {
    market.close();
  }

  /** A new account of the role; {@code [user_id, access_token]}. */
  private static String[] account(String role) throws Exception {
    String email = "orders-e2e-" + UUID.randomUUID() + "@example.com";
    HttpResponse<Buffer> registered = await(market.http.post("/api/v1/auth/register").sendJsonObject(
      new JsonObject().put("email", email).put("password", PASSWORD).put("name", "E2E").put("role", role)));
    assertThat(registered.statusCode()).as(registered.bodyAsString()).isEqualTo(201);
    HttpResponse<Buffer> login = await(market.http.post("/api/v1/auth/login").sendJsonObject(
      new JsonObject().put("email", email).put("password", PASSWORD)));
    assertThat(login.statusCode()).as(login.bodyAsString()).isEqualTo(200);
    return new String[] {registered.bodyAsJsonObject().getString("user_id"), login.bodyAsJsonObject().getString("access_token")};
  }

  private static JsonObject bus(String address, JsonObject body) throws Exception {
    return await(Bus.request(market.vertx, address, body, 10_000));
  }

  /** What checkout and payment would do: an order of one line of the seller's, moved to PAID. */
  private static JsonObject paidOrder(String buyerId, String sellerId) throws Exception {
    String orderId = UUID.randomUUID().toString();
    bus(OrdersAddresses.CREATE, new JsonObject().put("order_id", orderId).put("buyer_id", buyerId).put("currency", "RUB")
      .put("lines", new JsonArray().add(new JsonObject().put("product_id", UUID.randomUUID().toString()).put("seller_id", sellerId)
        .put("title", "Чайник").put("quantity", 2).put("unit_price", new JsonObject().put("amount", 199_900).put("currency", "RUB")))));
    for (String to : List.of("RESERVED", "PENDING_PAYMENT", "PAID")) {
      bus(OrdersAddresses.TRANSITION, new JsonObject().put("order_id", orderId).put("to", to));
    }
    return bus(OrdersAddresses.GET, new JsonObject().put("order_id", orderId));
  }

  private static HttpResponse<Buffer> get(String path, String token) throws Exception {
    return await(market.http.get(path).bearerTokenAuthentication(token).send());
  }

  private static HttpResponse<Buffer> post(String path, String token) throws Exception {
    return await(market.http.post(path).bearerTokenAuthentication(token).send());
  }

  @Test
  void aSellerSetsStockOfTheirOwnProductAndTheCatalogShowsIt() throws Exception {
    String[] seller = account("seller");
    String[] rival = account("seller");
    JsonObject listing = new JsonObject().put("title", "Кружка Stockwell").put("description", "Фарфор")
      .put("brand", "Stockwell").put("category_id", 53).put("price", new JsonObject().put("amount", 59_900).put("currency", "RUB"))
      .put("attributes", new JsonObject());
    HttpResponse<Buffer> created = await(market.http.post("/api/v1/seller/products").bearerTokenAuthentication(seller[1]).sendJsonObject(listing));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    String id = created.bodyAsJsonObject().getString("id");

    HttpResponse<Buffer> foreign = await(market.http.put("/api/v1/seller/products/" + id + "/stock").bearerTokenAuthentication(rival[1])
      .sendJsonObject(new JsonObject().put("warehouse", "kazan").put("quantity", 1000)));
    assertThat(foreign.statusCode()).isEqualTo(404);
    HttpResponse<Buffer> bad = await(market.http.put("/api/v1/seller/products/" + id + "/stock").bearerTokenAuthentication(seller[1])
      .sendJsonObject(new JsonObject().put("warehouse", "kazan").put("quantity", -1)));
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("quantity");
    HttpResponse<Buffer> stocked = await(market.http.put("/api/v1/seller/products/" + id + "/stock").bearerTokenAuthentication(seller[1])
      .sendJsonObject(new JsonObject().put("warehouse", "kazan").put("quantity", 7)));
    assertThat(stocked.statusCode()).as(stocked.bodyAsString()).isEqualTo(200);
    assertThat(stocked.bodyAsJsonObject().getInteger("available")).isEqualTo(7);
    HttpResponse<Buffer> limited = await(market.http.put("/api/v1/seller/products/" + id + "/purchase-limit").bearerTokenAuthentication(seller[1])
      .sendJsonObject(new JsonObject().put("per_buyer", 1)));
    assertThat(limited.statusCode()).as(limited.bodyAsString()).isEqualTo(200);

    // catalog learns the availability from inventory.events
    long deadline = System.currentTimeMillis() + 20_000;
    int shown = -1;
    while (shown != 7 && System.currentTimeMillis() < deadline) {
      Thread.sleep(100);
      shown = await(market.http.get("/api/v1/catalog/products/" + id).send()).bodyAsJsonObject().getInteger("available", -1);
    }
    assertThat(shown).isEqualTo(7);
  }

  @Test
  void aBuyerSeesAndCancelsOnlyTheirOwnOrdersAndAnotherBuyerGets404() throws Exception {
    String[] buyer = account("buyer");
    String[] other = account("buyer");
    String[] seller = account("seller");
    String orderId = paidOrder(buyer[0], seller[0]).getString("id");

    HttpResponse<Buffer> mine = get("/api/v1/orders/" + orderId, buyer[1]);
    assertThat(mine.statusCode()).as(mine.bodyAsString()).isEqualTo(200);
    assertThat(mine.bodyAsJsonObject().getJsonObject("total")).isEqualTo(new JsonObject().put("amount", 399_800).put("currency", "RUB"));
    assertThat(mine.bodyAsJsonObject().getJsonArray("history")).hasSize(4);
    assertThat(get("/api/v1/orders", buyer[1]).bodyAsJsonObject().getJsonArray("items")).hasSize(1);

    HttpResponse<Buffer> foreignView = get("/api/v1/orders/" + orderId, other[1]);
    HttpResponse<Buffer> foreignCancel = post("/api/v1/orders/" + orderId + "/cancel", other[1]);
    assertThat(foreignView.statusCode()).isEqualTo(404);
    assertThat(foreignView.getHeader("Content-Type")).startsWith("application/problem+json");
    assertThat(foreignCancel.statusCode()).isEqualTo(404);
    assertThat(get("/api/v1/orders", other[1]).bodyAsJsonObject().getJsonArray("items")).isEmpty();
    assertThat(get("/api/v1/orders/" + orderId, buyer[1]).bodyAsJsonObject().getString("status")).isEqualTo("PAID");

    HttpResponse<Buffer> cancelled = post("/api/v1/orders/" + orderId + "/cancel", buyer[1]);
    assertThat(cancelled.statusCode()).as(cancelled.bodyAsString()).isEqualTo(200);
    assertThat(cancelled.bodyAsJsonObject().getString("status")).isEqualTo("CANCELLED");
  }

  @Test
  void aSellerShipsAndDeliversTheirShipmentAndTheOrderFollows() throws Exception {
    String[] buyer = account("buyer");
    String[] seller = account("seller");
    String[] otherSeller = account("seller");
    JsonObject order = paidOrder(buyer[0], seller[0]);
    String shipmentId = order.getJsonArray("shipments").getJsonObject(0).getString("id");

    JsonArray seen = get("/api/v1/seller/orders", seller[1]).bodyAsJsonObject().getJsonArray("items");
    assertThat(seen).hasSize(1);
    assertThat(seen.getJsonObject(0).getString("id")).isEqualTo(shipmentId);
    assertThat(get("/api/v1/seller/orders", otherSeller[1]).bodyAsJsonObject().getJsonArray("items")).isEmpty();
    assertThat(post("/api/v1/seller/shipments/" + shipmentId + "/ship", otherSeller[1]).statusCode()).isEqualTo(404);
    assertThat(post("/api/v1/seller/shipments/" + shipmentId + "/ship", buyer[1]).statusCode()).isEqualTo(403);

    HttpResponse<Buffer> shipped = post("/api/v1/seller/shipments/" + shipmentId + "/ship", seller[1]);
    assertThat(shipped.statusCode()).as(shipped.bodyAsString()).isEqualTo(200);
    assertThat(shipped.bodyAsJsonObject().getString("order_status")).isEqualTo("SHIPPED");
    HttpResponse<Buffer> delivered = post("/api/v1/seller/shipments/" + shipmentId + "/deliver", seller[1]);
    assertThat(delivered.bodyAsJsonObject().getString("order_status")).isEqualTo("DELIVERED");

    JsonObject done = get("/api/v1/orders/" + order.getString("id"), buyer[1]).bodyAsJsonObject();
    assertThat(done.getJsonArray("history").stream().map(h -> ((JsonObject) h).getString("status")))
      .containsExactly("NEW", "RESERVED", "PENDING_PAYMENT", "PAID", "SHIPPED", "DELIVERED");
    assertThat(post("/api/v1/orders/" + order.getString("id") + "/cancel", buyer[1]).statusCode()).isEqualTo(409);
  }
}
