package dev.marketplace.app.e2e;

import dev.marketplace.app.AuditCommand;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

import static dev.marketplace.app.e2e.MarketplaceHarness.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Reservations that run out (2 s TTL) in the whole marketplace over public HTTP: the unpaid order is
 * cancelled with RESERVATION_EXPIRED and its stock sold to someone else; money that arrives after
 * that is refunded and the order ends REFUNDED.
 */
class CheckoutSystemExpiryE2ETest {
  private static final String PASSWORD = "Correct-Horse-9";
  private static MarketplaceHarness market;
  private static String sellerToken;

  @BeforeAll
  static void up() throws Exception {
    try {
      Class.forName("dev.marketplace.contracts.orders.OrdersAddresses");
      Class.forName("dev.marketplace.contracts.inventory.InventoryAddresses");
    } catch (ClassNotFoundException e) {
      Assumptions.abort("orders and inventory are not on this branch yet");
    }
    market = MarketplaceHarness.start(config -> {
      config.getJsonObject("auth").getJsonObject("throttle", new JsonObject()).put("address_max_failures", 10_000);
      config.getJsonObject("checkout").put("reservation_ttl_seconds", 2).put("expiry_grace_ms", 300).put("sweep_interval_ms", 200);
      config.getJsonObject("payment").put("bank_timeout_ms", 1000).put("breaker_reset_ms", 500).put("refund_retry_ms", 300)
        .put("poll_interval_ms", 200);
    });
    sellerToken = token("seller");
  }

  @AfterAll
  static void down() throws Exception {
    if (market != null) {
      market.close();
    }
  }

  @AfterEach
  void auditHolds() throws Exception {
    bank(new JsonObject().put("error_rate", 0.0));
    String report = "";
    long deadline = System.currentTimeMillis() + 15_000;
    while (System.currentTimeMillis() < deadline) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      AuditCommand.audit(market.config.getJsonObject("pg").getString("url"), 0, new PrintStream(out, true, StandardCharsets.UTF_8));
      report = out.toString(StandardCharsets.UTF_8);
      if (report.contains("AUDIT OK")) {
        break;
      }
      Thread.sleep(200);
    }
    assertThat(report).contains("AUDIT OK").doesNotContain("skipped");
  }

  private static String token(String role) throws Exception {
    String email = role + "-" + UUID.randomUUID() + "@example.com";
    assertThat(await(market.http.post("/api/v1/auth/register").sendJsonObject(new JsonObject()
      .put("email", email).put("password", PASSWORD).put("name", "Test").put("role", role))).statusCode()).isEqualTo(201);
    return await(market.http.post("/api/v1/auth/login").sendJsonObject(new JsonObject().put("email", email).put("password", PASSWORD)))
      .bodyAsJsonObject().getString("access_token");
  }

  private static String product(int stock) throws Exception {
    HttpResponse<Buffer> created = await(market.http.post("/api/v1/seller/products").bearerTokenAuthentication(sellerToken)
      .sendJsonObject(new JsonObject().put("title", "Expiry test " + UUID.randomUUID()).put("description", "expiry")
        .put("brand", "Test").put("category_id", 111).put("price", new JsonObject().put("amount", 700_00).put("currency", "RUB"))
        .put("attributes", new JsonObject())));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    String id = created.bodyAsJsonObject().getString("id");
    assertThat(await(market.http.put("/api/v1/seller/products/" + id + "/stock").bearerTokenAuthentication(sellerToken)
      .sendJsonObject(new JsonObject().put("warehouse", "main").put("quantity", stock))).statusCode()).isEqualTo(200);
    return id;
  }

  private static String[] buyerWith(String productId) throws Exception {
    String token = token("buyer");
    HttpResponse<Buffer> added = await(market.http.post("/api/v1/cart/items").bearerTokenAuthentication(token)
      .sendJsonObject(new JsonObject().put("product_id", productId).put("quantity", 1)));
    return new String[] {token, added.bodyAsJsonObject().getString("id")};
  }

  private static JsonObject checkout(String[] buyer) throws Exception {
    HttpResponse<Buffer> resp = await(market.http.post("/api/v1/checkout").bearerTokenAuthentication(buyer[0])
      .putHeader("Idempotency-Key", UUID.randomUUID().toString())
      .sendJsonObject(new JsonObject().put("cart_id", buyer[1]).put("payment_method", "card")));
    assertThat(resp.statusCode()).as(resp.bodyAsString()).isEqualTo(201);
    return resp.bodyAsJsonObject();
  }

  private static JsonObject order(String[] buyer, String orderId) throws Exception {
    return await(market.http.get("/api/v1/orders/" + orderId).bearerTokenAuthentication(buyer[0]).send()).bodyAsJsonObject();
  }

  private static void waitForStatus(String[] buyer, String orderId, String status) throws Exception {
    long deadline = System.currentTimeMillis() + 30_000;
    while (!status.equals(order(buyer, orderId).getString("status"))) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("order " + orderId + " is " + order(buyer, orderId).getString("status") + ", not " + status);
      }
      Thread.sleep(100);
    }
  }

  private static JsonObject bank(JsonObject change) throws Exception {
    return await(WebClient.wrap(market.vertx.createHttpClient())
      .putAbs("http://127.0.0.1:" + market.bankPort + "/api/simulator").sendJsonObject(change)).bodyAsJsonObject();
  }

  private static HttpResponse<Buffer> threeDs(String paymentUrl, String action) throws Exception {
    return await(WebClient.wrap(market.vertx.createHttpClient()).postAbs(paymentUrl + "/" + action).putHeader("Accept", "application/json").send());
  }

  @Test
  void anUnpaidOrderExpiresAndItsStockGoesToTheNextBuyer() throws Exception {
    String product = product(1);
    String[] first = buyerWith(product);
    JsonObject body = checkout(first);
    String orderId = body.getString("order_id");

    waitForStatus(first, orderId, "CANCELLED");

    JsonArray history = order(first, orderId).getJsonArray("history");
    assertThat(history.getJsonObject(history.size() - 1).getString("reason")).isEqualTo("RESERVATION_EXPIRED");
    assertThat(threeDs(body.getString("payment_url"), "confirm").statusCode()).isEqualTo(409);
    checkout(buyerWith(product));
  }

  @Test
  void moneyThatArrivesAfterTheReservationExpiredIsRefunded() throws Exception {
    String product = product(1);
    String[] buyer = buyerWith(product);
    JsonObject body = checkout(buyer);
    String orderId = body.getString("order_id");
    // the bank's API fails while the order expires: the void does not reach it
    bank(new JsonObject().put("error_rate", 1.0));
    waitForStatus(buyer, orderId, "CANCELLED");
    bank(new JsonObject().put("error_rate", 0.0));

    assertThat(threeDs(body.getString("payment_url"), "confirm").statusCode()).isEqualTo(200);

    waitForStatus(buyer, orderId, "REFUNDED");
    String bankId = body.getString("payment_url").replaceAll(".*/", "");
    assertThat(await(WebClient.wrap(market.vertx.createHttpClient())
      .getAbs("http://127.0.0.1:" + market.bankPort + "/api/payments/" + bankId).send()).bodyAsJsonObject().getString("status"))
      .isEqualTo("REFUNDED");
  }
}
