package dev.marketplace.payment;

import dev.marketplace.platform.jobs.RetentionJob;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

import java.time.Duration;
import java.util.List;

/**
 * Purges tombstones: intents a void created for an order that had no payment (so that a late
 * {@code payment.start} is refused), once older than {@code retention.tombstones} (7 days), long
 * after any start of that order could still arrive. Real payments are the money's history and stay.
 */
final class PaymentRetention {
  private static final String DELETE_TOMBSTONES = """
    DELETE FROM payment.intents WHERE payment_id IN (
      SELECT payment_id FROM payment.intents
      WHERE status = 'VOIDED' AND buyer_id IS NULL AND bank_payment_id IS NULL
        AND updated_at < now() - $1::bigint * interval '1 millisecond'
      LIMIT $2::bigint FOR UPDATE SKIP LOCKED)""";

  private PaymentRetention() {
  }

  static List<RetentionJob.Purge> purges(Pool pool, JsonObject config) {
    return List.of(new RetentionJob.Purge("tombstones", RetentionJob.age(config, "tombstones", Duration.ofDays(7)),
      (olderThanMs, limit) -> pool.preparedQuery(DELETE_TOMBSTONES).execute(Tuple.of(olderThanMs, (long) limit)).map(rows -> rows.rowCount())));
  }
}
