package dev.marketplace.inventory;

import dev.marketplace.platform.jobs.RetentionJob;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

import java.time.Duration;
import java.util.List;

/**
 * Purges the ids of consumed events ({@code retention.consumed_events}, 14 days: keep it longer
 * than the Kafka topics' retention, so an event can never be read again once its id is gone) and
 * the tombstones ({@code retention.tombstones}, 7 days): cancelled-order marks and the RELEASED
 * rows a release of an unknown reservation leaves, which only stop a late reserve.
 */
final class InventoryRetention {
  private static final String DELETE_CONSUMED = """
    DELETE FROM inventory.consumed_event WHERE event_id IN (
      SELECT event_id FROM inventory.consumed_event WHERE at < now() - $1::bigint * interval '1 millisecond' LIMIT $2::bigint)""";
  private static final String DELETE_CANCELLED_ORDERS = """
    DELETE FROM inventory.cancelled_order WHERE order_id IN (
      SELECT order_id FROM inventory.cancelled_order WHERE at < now() - $1::bigint * interval '1 millisecond' LIMIT $2::bigint)""";
  private static final String DELETE_RESERVATION_TOMBSTONES = """
    DELETE FROM inventory.reservation WHERE id IN (
      SELECT r.id FROM inventory.reservation r
      WHERE r.status = 'RELEASED' AND r.order_id IS NULL AND r.updated_at < now() - $1::bigint * interval '1 millisecond'
        AND NOT EXISTS (SELECT 1 FROM inventory.reservation_line l WHERE l.reservation_id = r.id)
      LIMIT $2::bigint FOR UPDATE SKIP LOCKED)""";

  private InventoryRetention() {
  }

  static List<RetentionJob.Purge> purges(Pool pool, JsonObject config) {
    Duration consumed = RetentionJob.age(config, "consumed_events", Duration.ofDays(14));
    Duration tombstones = RetentionJob.age(config, "tombstones", Duration.ofDays(7));
    return List.of(
      purge(pool, "consumed event ids", consumed, DELETE_CONSUMED),
      purge(pool, "cancelled-order tombstones", tombstones, DELETE_CANCELLED_ORDERS),
      purge(pool, "reservation tombstones", tombstones, DELETE_RESERVATION_TOMBSTONES));
  }

  private static RetentionJob.Purge purge(Pool pool, String what, Duration age, String sql) {
    return new RetentionJob.Purge(what, age,
      (olderThanMs, limit) -> pool.preparedQuery(sql).execute(Tuple.of(olderThanMs, (long) limit)).map(rows -> rows.rowCount()));
  }
}
