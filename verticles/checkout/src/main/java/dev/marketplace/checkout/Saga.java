package dev.marketplace.checkout;

import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;

import java.time.OffsetDateTime;
import java.util.UUID;

/** A saga row. {@code id} is also the order's id. */
record Saga(UUID id, String userId, String requestHash, UUID cartId, String paymentMethod, UUID reservationId,
            UUID paymentId, SagaState state, JsonObject cart, OffsetDateTime reservedUntil, String paymentUrl,
            String paymentResult, SagaState failedAt, String cancelReason, JsonObject outcome, String leaseOwner) {

  static Saga of(Row row) {
    String failedAt = row.getString("failed_at");
    return new Saga(row.getUUID("id"), row.getString("user_id"), row.getString("request_hash"), row.getUUID("cart_id"),
      row.getString("payment_method"), row.getUUID("reservation_id"), row.getUUID("payment_id"),
      SagaState.valueOf(row.getString("state")), (JsonObject) row.getJson("cart"), row.getOffsetDateTime("reserved_until"),
      row.getString("payment_url"), row.getString("payment_result"), failedAt == null ? null : SagaState.valueOf(failedAt),
      row.getString("cancel_reason"), (JsonObject) row.getJson("outcome"), row.getString("lease_owner"));
  }

  String orderId() {
    return id.toString();
  }
}
