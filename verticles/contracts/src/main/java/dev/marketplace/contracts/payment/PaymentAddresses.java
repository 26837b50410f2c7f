package dev.marketplace.contracts.payment;

/**
 * The payment component's operations. All are internal (called by checkout, orders or the gateway's
 * callback route) and trust their caller; all are idempotent, so a caller that timed out may retry.
 *
 * <p>Intent statuses: {@code CREATED} (the bank is being asked), {@code FAILED} (the bank did not
 * answer or refused; may be started again), {@code PENDING} (the buyer has the 3DS URL),
 * {@code CAPTURED}, {@code DECLINED}, {@code VOIDED}, {@code REFUND_PENDING} (money to be returned,
 * retried until the bank confirms), {@code REFUNDED}.
 *
 * <p>Events on {@code payments.events} (key {@code order_id}): {@code PaymentStarted},
 * {@code PaymentCaptured}, {@code PaymentDeclined}, {@code PaymentVoided}, {@code PaymentRefunded};
 * {@code data}: {@code {payment_id, order_id, buyer_id, amount:{amount, currency}, status}}.
 * A capture that arrives for a voided intent (the order was cancelled or expired first) is
 * published as {@code PaymentCaptured} and then refunded automatically ({@code PaymentRefunded}).
 *
 * <p>Payment consumes {@code orders.events}: {@code OrderCancelled} refunds the order's captured
 * money (or voids a payment not captured yet); when the refund of a cancelled order is confirmed by
 * the bank, payment moves the order to REFUNDED with {@code orders.transition}.
 */
public final class PaymentAddresses {

  /**
   * {@code {payment_id, order_id, buyer_id, amount:{amount, currency}, method, reserved_until?}} →
   * {@code {payment_id, status:"PENDING", payment_url}}. Asks the bank (HTTP, with a timeout and a
   * circuit breaker) for a 3-D Secure payment. Idempotent by {@code payment_id}. One payment per
   * order. Fails with PAYMENT_UNAVAILABLE when the bank fails, times out or the circuit is open,
   * or when the order's payment was already voided (a void overtook this start). The optional
   * {@code reserved_until} makes the status poller ask the bank before that instant if no callback came.
   */
  public static final String START = "payment.start";

  /**
   * {@code {order_id}} → {@code {payment_id, status}}. Cancels the order's payment unless the money
   * was already captured: the reply's {@code status} says which ({@code VOIDED}, or {@code CAPTURED}
   * / {@code DECLINED} / ... unchanged). Voiding an order with no payment records a tombstone so a
   * late {@code payment.start} is refused. A capture that arrives after a void is refunded.
   */
  public static final String VOID = "payment.void";

  /**
   * {@code {order_id, reason}} → {@code {payment_id, status}}. Returns captured money
   * ({@code REFUND_PENDING} then {@code REFUNDED} once the bank confirms); a payment not captured
   * yet is voided instead. Idempotent.
   */
  public static final String REFUND = "payment.refund";

  /**
   * {@code {body: "<raw request body>", signature: "<X-Bank-Signature header>"}} → {@code {status}}.
   * The bank's callback as the gateway received it. A missing or wrong HMAC-SHA256 signature is
   * INVALID_SIGNATURE and changes nothing; a repeated callback changes nothing; an unknown payment
   * is NOT_FOUND; a malformed body is VALIDATION_FAILED.
   */
  public static final String CALLBACK = "payment.callback";

  /**
   * {@code {}} → {@code {available, circuit}}: whether this node's circuit to the bank lets calls
   * through ({@code circuit} CLOSED, HALF_OPEN or OPEN; OPEN is not available). Checkout asks before
   * it creates an order or holds stock, so a bank outage fails checkouts fast and holds nothing.
   */
  public static final String AVAILABILITY = "payment.availability";

  /** {@code {order_id}} → {@code {payment_id, order_id, status, amount, payment_url}} or NOT_FOUND. */
  public static final String GET = "payment.get";

  private PaymentAddresses() {
  }
}
