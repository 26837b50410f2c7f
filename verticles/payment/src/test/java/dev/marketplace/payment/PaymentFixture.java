package dev.marketplace.payment;

import dev.marketplace.contracts.bank.BankApi;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

/** What payment's tests say to the component and read from its tables, written once. */
final class PaymentFixture {
  private PaymentFixture() {
  }

  /** A {@code payment.start} body: 2500 RUB by card for buyer u1. */
  static JsonObject startBody(String paymentId, String orderId) {
    return new JsonObject().put("payment_id", paymentId).put("order_id", orderId).put("buyer_id", "u1")
      .put("amount", new JsonObject().put("amount", 2500).put("currency", "RUB")).put("method", "card");
  }

  /** The bank's callback about the payment {@code reference}, signed with {@code secret}, naming its order and amount as the bank would. */
  static JsonObject signedCallback(String secret, String bankId, String reference, String status, String orderId, long amount,
                                   String currency) {
    String body = new JsonObject().put("event_id", UUID.randomUUID().toString()).put("id", bankId).put("reference", reference)
      .put("order_id", orderId).put("status", status)
      .put("amount", new JsonObject().put("amount", amount).put("currency", currency)).encode();
    return new JsonObject().put("body", body).put("signature", BankApi.sign(secret, body.getBytes(StandardCharsets.UTF_8)));
  }

  /** The status of the order's payment intent. */
  static Future<String> status(SqlClient db, String orderId) {
    return db.preparedQuery("SELECT status FROM payment.intents WHERE order_id = $1").execute(Tuple.of(UUID.fromString(orderId)))
      .map(rows -> rows.iterator().next().getString("status"));
  }

  /** How many events of {@code type} the order's payment put in the outbox. */
  static Future<Long> events(SqlClient db, String orderId, String type) {
    return db.preparedQuery("SELECT count(*) FROM payment.outbox WHERE record_key = $1 AND payload->>'type' = $2")
      .execute(Tuple.of(orderId, type)).map(rows -> rows.iterator().next().getLong(0));
  }
}
