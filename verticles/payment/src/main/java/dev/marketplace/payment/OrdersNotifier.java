package dev.marketplace.payment;

import dev.marketplace.platform.bus.Bus;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.UUID;

/**
 * Tells orders that a cancelled order's money is back ({@code orders.transition} CANCELLED →
 * REFUNDED, per the orders contract). Best effort: an order that is not CANCELLED (or a missing
 * orders component) is logged and left as it is; the refund itself is already recorded here.
 */
final class OrdersNotifier {
  private static final Logger LOG = LoggerFactory.getLogger(OrdersNotifier.class);
  static final String ORDERS_TRANSITION = "orders.transition";

  private final Vertx vertx;
  private final long timeoutMs;

  OrdersNotifier(Vertx vertx, long timeoutMs) {
    this.vertx = vertx;
    this.timeoutMs = timeoutMs;
  }

  void refunded(UUID orderId) {
    JsonObject request = new JsonObject().put("order_id", orderId.toString()).put("to", "REFUNDED").put("reason", "PAYMENT_REFUNDED");
    Bus.request(vertx, ORDERS_TRANSITION, request, timeoutMs).onFailure(err ->
      LOG.info("Order {} not moved to REFUNDED: {}", orderId, err.getMessage()));
  }
}
