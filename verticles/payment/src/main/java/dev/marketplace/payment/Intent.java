package dev.marketplace.payment;

import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;

import java.time.OffsetDateTime;
import java.util.UUID;

/** A payment intent row. */
record Intent(UUID paymentId, UUID orderId, String buyerId, long amount, String currency, String status,
              String bankPaymentId, String paymentUrl, OffsetDateTime reservedUntil) {

  static final String CREATED = "CREATED";
  static final String FAILED = "FAILED";
  static final String PENDING = "PENDING";
  static final String CAPTURED = "CAPTURED";
  static final String DECLINED = "DECLINED";
  static final String VOIDED = "VOIDED";
  static final String REFUND_PENDING = "REFUND_PENDING";
  static final String REFUNDED = "REFUNDED";

  static Intent of(Row row) {
    return new Intent(row.getUUID("payment_id"), row.getUUID("order_id"), row.getString("buyer_id"),
      row.getLong("amount"), row.getString("currency"), row.getString("status"),
      row.getString("bank_payment_id"), row.getString("payment_url"), row.getOffsetDateTime("reserved_until"));
  }

  /** Not settled yet: the bank may still capture or decline it. */
  boolean open() {
    return status.equals(CREATED) || status.equals(FAILED) || status.equals(PENDING);
  }

  JsonObject money() {
    return new JsonObject().put("amount", amount).put("currency", currency);
  }

  /** The {@code data} of this intent's events. */
  JsonObject eventData(String newStatus) {
    return new JsonObject()
      .put("payment_id", paymentId.toString())
      .put("order_id", orderId.toString())
      .put("buyer_id", buyerId)
      .put("amount", money())
      .put("status", newStatus);
  }

  JsonObject toJson() {
    return new JsonObject()
      .put("payment_id", paymentId.toString())
      .put("order_id", orderId.toString())
      .put("status", status)
      .put("amount", money())
      .put("payment_url", paymentUrl);
  }
}
