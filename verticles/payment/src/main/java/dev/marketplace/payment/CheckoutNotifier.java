package dev.marketplace.payment;

import dev.marketplace.contracts.checkout.CheckoutApi;
import dev.marketplace.platform.bus.BusClient;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.UUID;

/**
 * Tells checkout a payment's result right after it is committed ({@code checkout.payment-result}),
 * so the saga goes on without waiting for the outbox relay and Kafka. Best effort: the
 * {@code PaymentCaptured} / {@code PaymentDeclined} event in the outbox stays the durable way the
 * result arrives, so a lost request only costs time.
 */
final class CheckoutNotifier {
  private static final Logger LOG = LoggerFactory.getLogger(CheckoutNotifier.class);

  private final Vertx vertx;
  private final long timeoutMs;

  CheckoutNotifier(Vertx vertx, long timeoutMs) {
    this.vertx = vertx;
    this.timeoutMs = timeoutMs;
  }

  void result(UUID orderId, String result) {
    CheckoutApi.over(BusClient.of(vertx, timeoutMs)).paymentResult(orderId, result).onFailure(err ->
      LOG.debug("Checkout not told of the {} payment of order {} (the event will tell it): {}", result, orderId, err.getMessage()));
  }
}
