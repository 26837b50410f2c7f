package dev.marketplace.payment;

import dev.marketplace.contracts.orders.OrdersAddresses;
import dev.marketplace.contracts.orders.OrderStatus;
import dev.marketplace.contracts.orders.OrdersApi;
import dev.marketplace.platform.bus.BusClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.UUID;

/**
 * Tells orders that a cancelled order's money is back ({@code orders.transition} CANCELLED →
 * REFUNDED, per the orders contract). The intent to tell is persisted on the intent
 * ({@code refund_notice_due}, set with the refund) and cleared only when orders has moved the
 * order (or says it is REFUNDED already), so a lost request is retried by the payment jobs with a
 * backoff until it is done. An order that is not CANCELLED yet (a saga that refunds before it
 * cancels) is answered ILLEGAL_STATE and asked again later.
 */
final class OrdersNotifier {
  private static final Logger LOG = LoggerFactory.getLogger(OrdersNotifier.class);
  static final String ORDERS_TRANSITION = OrdersAddresses.TRANSITION;

  private final Vertx vertx;
  private final long timeoutMs;
  private final PaymentRepository repository;

  OrdersNotifier(Vertx vertx, long timeoutMs, PaymentRepository repository) {
    this.vertx = vertx;
    this.timeoutMs = timeoutMs;
    this.repository = repository;
  }

  /** Tells orders; succeeds once the notice is done (and no longer due), fails when it must be retried. */
  Future<Void> refunded(UUID orderId) {
    // only the outcome matters here: a brief answer, no reload of the whole order, and the transition shares a transaction
    OrdersApi.Transition refunded = new OrdersApi.Transition(orderId, OrderStatus.REFUNDED, "PAYMENT_REFUNDED", true);
    return OrdersApi.over(BusClient.of(vertx, timeoutMs)).transition(refunded)
      .compose(reply -> repository.refundNoticeDone(orderId))
      .onFailure(err -> LOG.info("Order {} not moved to REFUNDED yet; the payment jobs retry: {}", orderId, err.getMessage()));
  }
}
