package dev.marketplace.catalog;

import dev.marketplace.contracts.EventEnvelope;
import dev.marketplace.contracts.Topics;
import dev.marketplace.contracts.catalog.CatalogAddresses;
import dev.marketplace.platform.kafka.KafkaSupport;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import io.vertx.kafka.client.consumer.KafkaConsumerRecords;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;

/**
 * Keeps catalog's copy of availability from {@code inventory.events} {@code StockChanged}.
 * A poll loop: records are applied one after the other, each in a transaction that also records
 * its event id (a redelivered event changes nothing), and offsets are committed only once the
 * whole batch is stored. A state older than the one stored is ignored. A storage failure retries
 * the same record, so a partition's events are never applied out of order or skipped.
 */
final class StockEventsConsumer {
  private static final Logger LOG = LoggerFactory.getLogger(StockEventsConsumer.class);
  static final String GROUP = "catalog";
  private static final long RETRY_DELAY_MS = 1000;

  private static final String MARK_PROCESSED = "INSERT INTO catalog.processed_events (event_id) VALUES ($1) ON CONFLICT DO NOTHING";
  private static final String UPSERT_STOCK = "INSERT INTO catalog.stock AS s (product_id, on_hand, reserved, sold, available, as_of)"
    + " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (product_id) DO UPDATE SET on_hand = EXCLUDED.on_hand,"
    + " reserved = EXCLUDED.reserved, sold = EXCLUDED.sold, available = EXCLUDED.available, as_of = EXCLUDED.as_of"
    + " WHERE s.as_of < EXCLUDED.as_of RETURNING available";
  private static final String UPDATE_PRODUCT = "UPDATE catalog.products SET available = $2 WHERE id = $1";

  private final Vertx vertx;
  private final Pool pool;
  private final KafkaConsumer<String, String> consumer;
  private volatile boolean stopped;
  private final Promise<Void> loopEnded = Promise.promise();

  StockEventsConsumer(Vertx vertx, JsonObject config, Pool pool, String groupId) {
    this.vertx = vertx;
    this.pool = pool;
    this.consumer = KafkaSupport.consumer(vertx, config, groupId);
  }

  Future<Void> start() {
    return consumer.subscribe(Topics.INVENTORY_EVENTS).onSuccess(v -> pollLoop());
  }

  Future<Void> stop() {
    stopped = true;
    return loopEnded.future().transform(x -> consumer.close());
  }

  private void pollLoop() {
    if (stopped) {
      loopEnded.tryComplete();
      return;
    }
    consumer.poll(Duration.ofMillis(250))
      .compose(records -> applyAll(records, 0).compose(v -> records.isEmpty() ? Future.succeededFuture() : consumer.commit()))
      .onComplete(ar -> {
        if (ar.failed() && !stopped) {
          LOG.warn("Polling inventory.events failed; polling again", ar.cause());
        }
        pollLoop();
      });
  }

  private Future<Void> applyAll(KafkaConsumerRecords<String, String> records, int index) {
    if (index >= records.size() || stopped) {
      return stopped ? Future.failedFuture("stopping") : Future.succeededFuture();
    }
    return applyWithRetry(records.recordAt(index)).compose(v -> applyAll(records, index + 1));
  }

  private Future<Void> applyWithRetry(KafkaConsumerRecord<String, String> record) {
    return apply(record).recover(err -> {
      if (stopped) {
        return Future.failedFuture(err);
      }
      LOG.warn("Storing {} at {}-{}@{} failed; retrying", record.key(), record.topic(), record.partition(), record.offset(), err);
      return vertx.timer(RETRY_DELAY_MS).compose(t -> applyWithRetry(record));
    });
  }

  /** Applies one event; fails only when storage fails (a malformed event is logged and skipped). */
  Future<Void> apply(KafkaConsumerRecord<String, String> record) {
    StockChange change;
    try {
      EventEnvelope event = EventEnvelope.fromJson(new JsonObject(record.value()));
      if (!CatalogAddresses.STOCK_CHANGED.equals(event.type())) {
        return Future.succeededFuture();
      }
      change = StockChange.of(event);
    } catch (RuntimeException e) {
      LOG.error("Skipping a malformed event at {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), e.toString());
      return Future.succeededFuture();
    }
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
