package dev.marketplace.app.e2e;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Reservations that run out (2 s TTL) in the whole marketplace over public HTTP: the unpaid order is
 * cancelled with RESERVATION_EXPIRED, its payment voided (at the bank too) and its stock sold to
 * someone else; money that arrives after that is refunded and the order ends REFUNDED.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 180, timeUnit = TimeUnit.SECONDS)
class CheckoutSystemExpiryE2ETest {
  private static MarketplaceHarness market;
  private static ShopClient shop;
  private static ShopDatabase db;
  private static String sellerToken;

  @BeforeAll
  static void up(VertxTestContext ctx) {
    MarketplaceHarness.start(config -> {
      config.getJsonObject("auth").getJsonObject("throttle", new JsonObject()).put("address_max_failures", 10_000);
      config.getJsonObject("checkout").put("reservation_ttl_seconds", 2).put("expiry_grace_ms", 300).put("sweep_interval_ms", 200);
      config.getJsonObject("payment").put("bank_timeout_ms", 1000).put("breaker_reset_ms", 500).put("refund_retry_ms", 300)
        .put("poll_interval_ms", 200);
    })
      .compose(started -> {
        market = started;
        shop = new ShopClient(market);
        db = new ShopDatabase(market);
        return token("seller");
      })
      .onSuccess(token -> sellerToken = token)
      .onComplete(ctx.succeedingThenComplete());
  }

  @AfterAll
  static void down(VertxTestContext ctx) {
    MarketplaceHarness.closeAfter(db == null ? Future.succeededFuture() : db.close(), market).onComplete(ctx.succeedingThenComplete());
  }

  @AfterEach
  void auditHolds(VertxTestContext ctx) {
    bank(new JsonObject().put("error_rate", 0.0))
      .compose(v -> ShopClient.auditEventuallyOk(market.vertx, market.config.getJsonObject("pg").getString("url")))
      .onComplete(ctx.succeedingThenComplete());
  }

  private static Future<String> token(String role) {
    return shop.token(role);
  }

  private static Future<String> product(int stock) {
    return shop.product(sellerToken, "Expiry test", 700_00, stock);
  }

  private static Future<String[]> buyerWith(String productId) {
    return shop.buyerWith(productId, 1);
  }

  private static Future<JsonObject> checkout(String[] buyer) {
    return shop.checkout(buyer, UUID.randomUUID().toString()).map(resp -> {
      assertThat(resp.statusCode()).as(resp.bodyAsString()).isEqualTo(201);
      return resp.bodyAsJsonObject();
    });
  }

  private static Future<JsonObject> order(String[] buyer, String orderId) {
    return shop.order(buyer, orderId);
  }

  private static Future<Void> waitForStatus(String[] buyer, String orderId, String status) {
    return shop.waitForStatus(buyer, orderId, status);
  }

  private static Future<JsonObject> bank(JsonObject change) {
    return shop.bank(change);
  }

  private static Future<HttpResponse<Buffer>> threeDs(String paymentUrl, String action) {
    return shop.threeDs(paymentUrl, action);
  }

  @Test
  void anUnpaidOrderExpiresAndItsStockGoesToTheNextBuyer(VertxTestContext ctx) {
    product(1).compose(product -> buyerWith(product).compose(first -> checkout(first).compose(body -> {
      String orderId = body.getString("order_id");
      String bankId = body.getString("payment_url").replaceAll(".*/", "");
      return db.stock(product)
        .map(stock -> ctx.verify(() -> assertThat(stock).containsExactly(1L, 1L, 0L)))
        .compose(v -> waitForStatus(first, orderId, "CANCELLED"))
        .compose(v -> order(first, orderId))
        .map(order -> ctx.verify(() -> {
          JsonArray history = order.getJsonArray("history");
          assertThat(history.getJsonObject(history.size() - 1).getString("reason")).isEqualTo("RESERVATION_EXPIRED");
        }))
        .compose(v -> db.eventually("the unit is released", () -> db.stock(product).map(List.of(1L, 0L, 0L)::equals)))
        .compose(v -> db.intentStatus(orderId))
        .map(intent -> ctx.verify(() -> assertThat(intent).contains("VOIDED")))
        .compose(v -> db.eventually("the saga is CANCELLED", () -> db.sagaState(orderId).map("CANCELLED"::equals)))
        .compose(v -> db.eventually("the bank voided it too", () -> bankPayment(bankId).map(payment -> "VOIDED".equals(payment.getString("status")))))
        // the buyer comes back too late: the bank refuses, nothing is charged
        .compose(v -> threeDs(body.getString("payment_url"), "confirm"))
        .map(late -> ctx.verify(() -> assertThat(late.statusCode()).isEqualTo(409)))
        .compose(v -> buyerWith(product))
        .compose(next -> checkout(next));
    }))).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void moneyThatArrivesAfterTheReservationExpiredIsRefunded(VertxTestContext ctx) {
    product(1).compose(product -> buyerWith(product).compose(buyer -> checkout(buyer).compose(body -> {
      String orderId = body.getString("order_id");
      String bankId = body.getString("payment_url").replaceAll(".*/", "");
      // the bank's API fails while the order expires: the void does not reach it, the payment stays payable there
      return bank(new JsonObject().put("error_rate", 1.0))
        .compose(v -> waitForStatus(buyer, orderId, "CANCELLED"))
        .compose(v -> db.intentStatus(orderId))
        .map(intent -> ctx.verify(() -> assertThat(intent).contains("VOIDED")))
        // the buyer confirms while the bank's API still fails (payment retries its void until the API
        // answers; the 3DS page works all along): the bank captures a payment the platform voided
        .compose(v -> threeDs(body.getString("payment_url"), "confirm"))
        .map(confirmed -> ctx.verify(() -> assertThat(confirmed.statusCode()).isEqualTo(200)))
        .compose(v -> bank(new JsonObject().put("error_rate", 0.0)))
        .compose(v -> waitForStatus(buyer, orderId, "REFUNDED"))
        .compose(v -> db.eventually("the late payment is refunded", () -> db.intentStatus(orderId).map(Optional.of("REFUNDED")::equals)))
        .compose(v -> bankPayment(bankId))
        .map(payment -> ctx.verify(() -> assertThat(payment.getString("status")).isEqualTo("REFUNDED")))
        .compose(v -> db.stock(product))
        .map(stock -> ctx.verify(() -> assertThat(stock).containsExactly(1L, 0L, 0L)))
        .compose(v -> db.paymentEvents(orderId, "PaymentRefunded"))
        .map(events -> ctx.verify(() -> assertThat(events).isEqualTo(1)));
    }))).onComplete(ctx.succeedingThenComplete());
  }

  private static Future<JsonObject> bankPayment(String bankId) {
    return WebClient.wrap(market.vertx.createHttpClient())
      .getAbs("http://127.0.0.1:" + market.bankPort + "/api/payments/" + bankId).send().map(HttpResponse::bodyAsJsonObject);
  }
}
