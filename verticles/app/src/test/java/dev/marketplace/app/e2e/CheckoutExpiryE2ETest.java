package dev.marketplace.app.e2e;

import dev.marketplace.app.e2e.checkout.CheckoutNode;
import dev.marketplace.app.e2e.checkout.FakeWorld;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static dev.marketplace.app.e2e.checkout.CheckoutNode.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Reservations that run out (a 2 s TTL): the saga voids the payment, releases the stock and
 * cancels the order with RESERVATION_EXPIRED; money that arrives after that goes back.
 */
class CheckoutExpiryE2ETest {
  private static final long PRICE = 99_00;
  private static FakeWorld world;
  private static CheckoutNode node;

  @BeforeAll
  static void up() throws Exception {
    world = new FakeWorld();
    JsonObject config = CheckoutNode.testConfig();
    config.getJsonObject("checkout").put("reservation_ttl_seconds", 2).put("expiry_grace_ms", 300);
    node = CheckoutNode.start(config, world, true);
  }

  @AfterAll
  static void down() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @AfterEach
  void invariantsHold() throws Exception {
    node.bankSettings(new JsonObject().put("error_rate", 0.0));
    eventually(10, "no refund is outstanding",
      () -> node.count("SELECT count(*) FROM payment.intents WHERE status = 'REFUND_PENDING'") == 0);
    assertThat(world.stockViolations()).isEmpty();
    assertThat(node.capturedMoney()).isEqualTo(world.paidTotal());
    assertThat(node.audit()).contains("AUDIT OK");
  }

  @Test
  void anUnpaidReservationExpiresVoidsThePaymentAndCancelsTheOrder() throws Exception {
    String product = UUID.randomUUID().toString();
    world.putStock(product, 4);
    String buyer = "buyer-" + UUID.randomUUID();
    JsonObject body = node.checkout(buyer, world.cartWith(buyer, product, 3, PRICE), UUID.randomUUID().toString()).bodyAsJsonObject();
    String orderId = body.getString("order_id");
    assertThat(world.stockOf(product)[1]).isEqualTo(3);

    eventually(15, "the order is cancelled", () -> "CANCELLED".equals(world.order(orderId).getString("status")));

    JsonArray history = world.order(orderId).getJsonArray("history");
    assertThat(history.getJsonObject(history.size() - 1).getString("reason")).isEqualTo("RESERVATION_EXPIRED");
    assertThat(world.stockOf(product)).containsExactly(4, 0, 0);
    assertThat(node.intent(orderId).orElseThrow().getString("status")).isEqualTo("VOIDED");
    String bankId = body.getString("payment_url").replaceAll(".*/", "");
    eventually(5, "the bank voided it too", () -> "VOIDED".equals(node.bankPayment(bankId).getString("status")));
    // the buyer comes back too late: the bank refuses, nothing is charged
    assertThat(node.threeDs(body.getString("payment_url"), "confirm").statusCode()).isEqualTo(409);
    assertThat(node.saga(orderId).orElseThrow().getString("state")).isEqualTo("CANCELLED");
  }

  @Test
  void aPaymentThatArrivesAfterExpiryIsRefundedAutomatically() throws Exception {
    String product = UUID.randomUUID().toString();
    world.putStock(product, 1);
    String buyer = "buyer-" + UUID.randomUUID();
    JsonObject body = node.checkout(buyer, world.cartWith(buyer, product, 1, PRICE), UUID.randomUUID().toString()).bodyAsJsonObject();
    String orderId = body.getString("order_id");
    String bankId = body.getString("payment_url").replaceAll(".*/", "");
    // the bank's API fails while the saga expires: the void does not reach it, the payment stays payable there
    node.bankSettings(new JsonObject().put("error_rate", 1.0));
    eventually(15, "the order is cancelled", () -> "CANCELLED".equals(world.order(orderId).getString("status")));
    assertThat(node.intent(orderId).orElseThrow().getString("status")).isEqualTo("VOIDED");
    // the buyer confirms while the bank's API still fails (payment retries its void until the API
    // answers; the 3DS page works all along): the bank captures a payment the platform voided
    assertThat(node.threeDs(body.getString("payment_url"), "confirm").statusCode()).isEqualTo(200);
    node.bankSettings(new JsonObject().put("error_rate", 0.0));

    eventually(20, "the late payment is refunded", () -> "REFUNDED".equals(node.intent(orderId).orElseThrow().getString("status")));
    assertThat(node.bankPayment(bankId).getString("status")).isEqualTo("REFUNDED");
    eventually(10, "the order says REFUNDED", () -> "REFUNDED".equals(world.order(orderId).getString("status")));
    assertThat(world.stockOf(product)).containsExactly(1, 0, 0);
    assertThat(node.count("SELECT count(*) FROM payment.outbox WHERE payload->>'type' = 'PaymentRefunded' AND record_key = '" + orderId + "'"))
      .isEqualTo(1);
  }
}
