package dev.marketplace.checkout;

import io.vertx.core.json.JsonObject;

/**
 * The {@code checkout} config section.
 *
 * @param reservationTtlSeconds how long stock is held for the buyer to pay ({@code reservation_ttl_seconds}, 900)
 * @param stepTimeoutMs         send timeout of calls to cart, orders, inventory ({@code step_timeout_ms}, 5000)
 * @param paymentTimeoutMs      send timeout of {@code payment.start}; above the bank's timeout ({@code payment_timeout_ms}, 8000)
 * @param leaseMs               how long a node owns a saga without renewing it ({@code lease_ms}, 5000): the owner
 *                              renews the leases of the sagas it drives every third of it, so a dead
 *                              node's sagas are taken over by another about this long after it died
 * @param sweepIntervalMs       how often unfinished and expired sagas are looked for ({@code sweep_interval_ms}, 1000)
 * @param expiryGraceMs         after {@code reserved_until}, extra time for a late callback ({@code expiry_grace_ms}, 2000)
 * @param requestWaitMs         how long a call waits for a saga another call runs ({@code request_wait_ms}, 25000)
 * @param batchMax              the most saga inserts or steps in one statement ({@code batch_max}, 64; 1: no grouping)
 * @param batchParallelism      such statements running at once per instance ({@code batch_parallelism}, 2)
 */
record CheckoutSettings(long reservationTtlSeconds, long stepTimeoutMs, long paymentTimeoutMs, long leaseMs,
                        long sweepIntervalMs, long expiryGraceMs, long requestWaitMs, int batchMax, int batchParallelism) {

  static CheckoutSettings from(JsonObject section) {
    return new CheckoutSettings(
      section.getLong("reservation_ttl_seconds", 900L),
      section.getLong("step_timeout_ms", 5_000L),
      section.getLong("payment_timeout_ms", 8_000L),
      section.getLong("lease_ms", 5_000L),
      section.getLong("sweep_interval_ms", 1_000L),
      section.getLong("expiry_grace_ms", 2_000L),
      section.getLong("request_wait_ms", 25_000L),
      section.getInteger("batch_max", 64),
      section.getInteger("batch_parallelism", 2));
  }
}
