package dev.marketplace.contracts.checkout;

/**
 * The checkout saga's operations (see ARCHITECTURE.md "Checkout saga").
 *
 * <p>Payment results reach the saga by a bus request from payment ({@link #PAYMENT_RESULT}) and,
 * durably, as {@code PaymentCaptured} / {@code PaymentDeclined} events on {@code payments.events}
 * (consumer group {@code checkout}); whichever comes first counts. A saga that hears nothing acts at
 * {@code reserved_until} (+ a grace period): it voids the payment (a capture that won that race is
 * finished as a sale), releases the reservation and cancels the order with RESERVATION_EXPIRED.
 */
public final class CheckoutAddresses {

  /**
   * {@code {cart_id, payment_method, idempotency_key}} with the caller in {@code x-user-id} →
   * {@code {order_id, status:"PENDING_PAYMENT", payment_url, reserved_until}}.
   *
   * <ul>
   *   <li>The same user and {@code idempotency_key} with the same body answers the first call's
   *   result (success or failure), also while the first call still runs (the second waits for it);
   *   with a different body: IDEMPOTENCY_KEY_REUSED.</li>
   *   <li>Failures: CART_EMPTY, PRICE_CHANGED (extra {@code product_ids}), NOT_FOUND (not the user's
   *   cart), OUT_OF_STOCK (extra {@code product_ids}, {@code order_id}), PURCHASE_LIMIT_EXCEEDED
   *   ({@code order_id}), PAYMENT_UNAVAILABLE ({@code order_id}), SERVICE_UNAVAILABLE (a component
   *   did not answer; {@code order_id} when an order was made). Every failure after the order was
   *   created leaves it CANCELLED with nothing held.</li>
   *   <li>Callers should allow {@code checkout.request_timeout_ms} (default 30 s).</li>
   * </ul>
   */
  public static final String START = "checkout.start";

  /** {@code {order_id}} → the saga as stored: {@code {order_id, state, reserved_until, payment_url, cancel_reason}} (owner or admin). */
  public static final String GET = "checkout.get";

  /**
   * <em>Internal</em> (payment). {@code {order_id, result: "CAPTURED"|"DECLINED"}} → {@code {recorded}}:
   * the payment's result, sent right after payment committed it, so the saga goes on at once
   * instead of after the outbox relay and Kafka. The reply comes when the result is stored on the
   * saga (not when the saga is done). Idempotent; the {@code payments.events} event that follows
   * changes nothing then, and stays the way the result arrives if this request is lost.
   */
  public static final String PAYMENT_RESULT = "checkout.payment-result";

  private CheckoutAddresses() {
  }
}
