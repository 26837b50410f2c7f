package dev.marketplace.catalog;

import dev.marketplace.contracts.EventEnvelope;
import dev.marketplace.contracts.catalog.CatalogAddresses;
import dev.marketplace.platform.kafka.ConsumedRecord;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;

/**
 * Keeps catalog's copy of availability from {@code inventory.events} {@code StockChanged}, as the
 * handler of a platform {@code ConsumeLoop} (at-least-once, in order per partition, nothing
 * committed past a record that was not stored; what keeps failing is parked in
 * {@code catalog.dead_letters}). Each event is stored in a transaction that also records its
 * event id (a redelivered event changes nothing); a state older than the one stored is ignored.
 * The product row it updates is what every instance's search index follows.
 */
final class StockEventsConsumer {
  static final String GROUP = "catalog";

  private static final String MARK_PROCESSED = "INSERT INTO catalog.processed_events (event_id) VALUES ($1) ON CONFLICT DO NOTHING";
  private static final String UPSERT_STOCK = "INSERT INTO catalog.stock AS s (product_id, on_hand, reserved, sold, available, as_of)"
    + " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (product_id) DO UPDATE SET on_hand = EXCLUDED.on_hand,"
    + " reserved = EXCLUDED.reserved, sold = EXCLUDED.sold, available = EXCLUDED.available, as_of = EXCLUDED.as_of"
    + " WHERE s.as_of < EXCLUDED.as_of RETURNING available";
  // only when it changes: an unchanged row does not make every index re-read the product
  private static final String UPDATE_PRODUCT = "UPDATE catalog.products SET available = $2 WHERE id = $1 AND available <> $2";

  private final Pool pool;

  StockEventsConsumer(Pool pool) {
    this.pool = pool;
  }

  /** Applies one record; fails when storage fails or the event is malformed (the loop retries, then parks it). */
  Future<Void> apply(ConsumedRecord record) {
    EventEnvelope event = record.envelope();
    if (!CatalogAddresses.STOCK_CHANGED.equals(event.type())) {
      return Future.succeededFuture();
    }
    StockChange change = StockChange.of(event);
    return pool.withTransaction(tx -> tx.preparedQuery(MARK_PROCESSED).execute(Tuple.of(change.eventId()))
      .compose(marked -> marked.rowCount() == 0
        ? Future.succeededFuture() // seen before
        : tx.preparedQuery(UPSERT_STOCK).execute(change.tuple())
          .compose(stored -> stored.rowCount() == 0
            ? Future.succeededFuture() // older than what we have
            : tx.preparedQuery(UPDATE_PRODUCT).execute(Tuple.of(change.productId(), change.available())).mapEmpty())))
      .mapEmpty();
  }

  private record StockChange(UUID eventId, UUID productId, int onHand, int reserved, int sold, int available, OffsetDateTime asOf) {
    static StockChange of(EventEnvelope event) {
      JsonObject d = event.data();
      return new StockChange(event.eventId(), UUID.fromString(d.getString("product_id")),
        d.getInteger("on_hand"), d.getInteger("reserved"), d.getInteger("sold"), d.getInteger("available"),
        event.occurredAt().atOffset(ZoneOffset.UTC));
    }

    Tuple tuple() {
      return Tuple.of(productId, onHand, reserved, sold, available, asOf);
    }
  }
}
