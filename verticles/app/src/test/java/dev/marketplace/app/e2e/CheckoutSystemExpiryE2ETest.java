package dev.marketplace.app.e2e;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

import static dev.marketplace.app.e2e.MarketplaceHarness.await;
import static dev.marketplace.app.e2e.ShopDatabase.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Reservations that run out (2 s TTL) in the whole marketplace over public HTTP: the unpaid order is
 * cancelled with RESERVATION_EXPIRED, its payment voided (at the bank too) and its stock sold to
 * someone else; money that arrives after that is refunded and the order ends REFUNDED.
 */
class CheckoutSystemExpiryE2ETest {
  private static MarketplaceHarness market;
  private static ShopClient shop;
  private static ShopDatabase db;
  private static String sellerToken;

  @BeforeAll
  static void up() throws Exception {
    market = MarketplaceHarness.start(config -> {
      config.getJsonObject("auth").getJsonObject("throttle", new JsonObject()).put("address_max_failures", 10_000);
      config.getJsonObject("checkout").put("reservation_ttl_seconds", 2).put("expiry_grace_ms", 300).put("sweep_interval_ms", 200);
      config.getJsonObject("payment").put("bank_timeout_ms", 1000).put("breaker_reset_ms", 500).put("refund_retry_ms", 300)
        .put("poll_interval_ms", 200);
    });
    shop = new ShopClient(market);
    db = new ShopDatabase(market);
    sellerToken = token("seller");
  }

  @AfterAll
  static void down() throws Exception {
    if (db != null) {
      db.close();
    }
    if (market != null) {
      market.close();
    }
  }

  @AfterEach
  void auditHolds() throws Exception {
    bank(new JsonObject().put("error_rate", 0.0));
    ShopClient.assertAuditEventuallyOk(market.config.getJsonObject("pg").getString("url"));
  }

  private static String token(String role) throws Exception {
    return shop.token(role);
  }

  private static String product(int stock) throws Exception {
    return shop.product(sellerToken, "Expiry test", 700_00, stock);
  }

  private static String[] buyerWith(String productId) throws Exception {
    return shop.buyerWith(productId, 1);
  }

  private static JsonObject checkout(String[] buyer) throws Exception {
    HttpResponse<Buffer> resp = await(shop.checkout(buyer, UUID.randomUUID().toString()));
    assertThat(resp.statusCode()).as(resp.bodyAsString()).isEqualTo(201);
    return resp.bodyAsJsonObject();
  }

  private static JsonObject order(String[] buyer, String orderId) throws Exception {
    return shop.order(buyer, orderId);
  }

  private static void waitForStatus(String[] buyer, String orderId, String status) throws Exception {
    shop.waitForStatus(buyer, orderId, status);
  }

  private static JsonObject bank(JsonObject change) throws Exception {
    return shop.bank(change);
  }

  private static HttpResponse<Buffer> threeDs(String paymentUrl, String action) throws Exception {
    return shop.threeDs(paymentUrl, action);
  }

  @Test
  void anUnpaidOrderExpiresAndItsStockGoesToTheNextBuyer() throws Exception {
    String product = product(1);
    String[] first = buyerWith(product);
    JsonObject body = checkout(first);
    String orderId = body.getString("order_id");
    assertThat(db.stock(product)).containsExactly(1L, 1L, 0L);

    waitForStatus(first, orderId, "CANCELLED");

    JsonArray history = order(first, orderId).getJsonArray("history");
    assertThat(history.getJsonObject(history.size() - 1).getString("reason")).isEqualTo("RESERVATION_EXPIRED");
    eventually("the unit is released", () -> db.stock(product).equals(List.of(1L, 0L, 0L)));
    assertThat(db.intentStatus(orderId)).contains("VOIDED");
    eventually("the saga is CANCELLED", () -> "CANCELLED".equals(db.sagaState(orderId)));
    String bankId = body.getString("payment_url").replaceAll(".*/", "");
    eventually("the bank voided it too", () -> "VOIDED".equals(bankPayment(bankId).getString("status")));
    // the buyer comes back too late: the bank refuses, nothing is charged
    assertThat(threeDs(body.getString("payment_url"), "confirm").statusCode()).isEqualTo(409);
    checkout(buyerWith(product));
  }

  @Test
  void moneyThatArrivesAfterTheReservationExpiredIsRefunded() throws Exception {
    String product = product(1);
    String[] buyer = buyerWith(product);
    JsonObject body = checkout(buyer);
    String orderId = body.getString("order_id");
    // the bank's API fails while the order expires: the void does not reach it, the payment stays payable there
    bank(new JsonObject().put("error_rate", 1.0));
    waitForStatus(buyer, orderId, "CANCELLED");
    assertThat(db.intentStatus(orderId)).contains("VOIDED");
    // the buyer confirms while the bank's API still fails (payment retries its void until the API
    // answers; the 3DS page works all along): the bank captures a payment the platform voided
    assertThat(threeDs(body.getString("payment_url"), "confirm").statusCode()).isEqualTo(200);
    bank(new JsonObject().put("error_rate", 0.0));

    waitForStatus(buyer, orderId, "REFUNDED");
    eventually("the late payment is refunded", () -> db.intentStatus(orderId).equals(Optional.of("REFUNDED")));
    String bankId = body.getString("payment_url").replaceAll(".*/", "");
    assertThat(bankPayment(bankId).getString("status")).isEqualTo("REFUNDED");
    assertThat(db.stock(product)).containsExactly(1L, 0L, 0L);
    assertThat(db.paymentEvents(orderId, "PaymentRefunded")).isEqualTo(1);
  }

  private static JsonObject bankPayment(String bankId) throws Exception {
    return await(WebClient.wrap(market.vertx.createHttpClient())
      .getAbs("http://127.0.0.1:" + market.bankPort + "/api/payments/" + bankId).send()).bodyAsJsonObject();
  }
}
