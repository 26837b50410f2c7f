package dev.marketplace.checkout;

/**
 * Where a checkout saga is. Declared in the order a saga moves forward, so "has it got as far as
 * X" is an ordinal comparison (compensation undoes only what was attempted).
 */
enum SagaState {
  /** Row written; next: load the cart. */
  STARTED,
  /** Cart lines and total stored; next: orders.create. */
  CART_LOADED,
  /** Order NEW exists; next: inventory.reserve. */
  ORDER_CREATED,
  /** Stock held until reserved_until; next: order RESERVED and PENDING_PAYMENT. */
  RESERVED,
  /** Order PENDING_PAYMENT; next: payment.start. */
  PAYMENT_STARTING,
  /** The buyer has the payment URL; waits for the payment result or for reserved_until. */
  AWAITING_PAYMENT,
  /** The money is captured; next: commit the stock, order PAID, clear the cart. */
  CAPTURING,
  /** reserved_until passed without a result; next: void the payment (which may reveal a capture). */
  EXPIRING,
  /** Undoing: void or refund the payment, release the stock, cancel the order. */
  COMPENSATING,
  PAID,
  CANCELLED;

  boolean terminal() {
    return this == PAID || this == CANCELLED;
  }

  boolean atLeast(SagaState other) {
    return ordinal() >= other.ordinal();
  }
}
