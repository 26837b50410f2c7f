package dev.marketplace.cart;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes guest carts nobody touched for {@code cart.guest_ttl_hours} (and the records of merged
 * guest carts that old, and applied request ids older than a day), every {@code cart.expiry_interval_ms}, in batches so that no statement
 * holds many locks. Requests never filter by age: an expired cart is simply gone. Several nodes
 * may run the job at once; deleting is idempotent.
 */
final class GuestCartExpiryJob {
  static final int BATCH = 1000;
  /** Applied request ids are kept a day: far longer than any repeat of a request (seconds). */
  static final double APPLIED_REQUEST_TTL_SECONDS = 86_400;
  private static final Logger LOG = LoggerFactory.getLogger(GuestCartExpiryJob.class);

  private final Vertx vertx;
  private final Pool pool;
  private final double ttlSeconds;
  private final long intervalMs;
  private long timerId = -1;
  private boolean running;

  GuestCartExpiryJob(Vertx vertx, Pool pool, CartSettings settings) {
    this.vertx = vertx;
    this.pool = pool;
    this.ttlSeconds = settings.guestTtlHours() * 3600.0;
    this.intervalMs = settings.expiryIntervalMs();
  }

  void start() {
    timerId = vertx.setPeriodic(intervalMs, id -> {
      // a slow run is not overlapped by the next tick
      if (running) {
        return;
      }
      running = true;
      runOnce()
        .onSuccess(n -> {
          if (n > 0) {
            LOG.info("Deleted {} abandoned guest carts", n);
          }
        })
        .onFailure(e -> LOG.warn("Guest cart expiry failed; the next run retries", e))
        .onComplete(x -> running = false);
    });
  }

  void stop() {
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
    }
  }

  /** One pass: every expired guest cart, batch by batch. Returns how many carts were deleted. */
  Future<Integer> runOnce() {
    return deleteBatches(0)
      .compose(n -> CartRepository.expireMergeRecords(pool, ttlSeconds).map(n))
      .compose(n -> expireAppliedRequests().map(n));
  }

  private Future<Void> expireAppliedRequests() {
    return CartRepository.expireAppliedRequests(pool, APPLIED_REQUEST_TTL_SECONDS, BATCH)
      .compose(n -> n < BATCH ? Future.<Void>succeededFuture() : expireAppliedRequests());
  }

  private Future<Integer> deleteBatches(int soFar) {
    return CartRepository.expireGuestCarts(pool, ttlSeconds, BATCH)
      .compose(n -> n < BATCH ? Future.succeededFuture(soFar + n) : deleteBatches(soFar + n));
  }
}
