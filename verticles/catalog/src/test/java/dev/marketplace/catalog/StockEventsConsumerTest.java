package dev.marketplace.catalog;

import dev.marketplace.contracts.EventEnvelope;
import dev.marketplace.contracts.Topics;
import dev.marketplace.contracts.catalog.CatalogAddresses;
import dev.marketplace.platform.kafka.KafkaSupport;
import dev.marketplace.platform.testing.Eventually;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Catalog's copy of availability follows StockChanged events published to the real broker. */
@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class StockEventsConsumerTest {
  private Vertx vertx;
  private CatalogFixture catalog;
  private KafkaProducer<String, String> producer;

  @BeforeAll
  void setUp(Vertx vertx, VertxTestContext ctx) {
    this.vertx = vertx;
    CatalogFixture.deploy(vertx, config -> config.getJsonObject("catalog")
        .put("consume_stock", true).put("consumer_group", "catalog-test-" + UUID.randomUUID()))
      .compose(deployed -> {
        catalog = deployed;
        // a Kafka client's construction blocks: not on the event loop
        return vertx.executeBlocking(() -> KafkaProducer.<String, String>create(vertx, KafkaSupport.producerConfig(catalog.config)));
      })
      .onComplete(ctx.succeeding(created -> {
        producer = created;
        ctx.completeNow();
      }));
  }

  @AfterAll
  void tearDown(VertxTestContext ctx) {
    producer.close().compose(v -> catalog.close()).onComplete(ctx.succeedingThenComplete());
  }

  private EventEnvelope stockChanged(String productId, int available, Instant at) {
    JsonObject data = new JsonObject().put("product_id", productId).put("on_hand", available + 2).put("reserved", 2)
      .put("sold", 0).put("available", available);
    return new EventEnvelope(UUID.randomUUID(), CatalogAddresses.STOCK_CHANGED, at, productId, data);
  }

  private Future<Void> publish(EventEnvelope event) {
    return producer.send(KafkaProducerRecord.create(Topics.INVENTORY_EVENTS, event.aggregateId(), event.toJson().encode())).mapEmpty();
  }

  private Future<Integer> available(String id) {
    return catalog.ask(CatalogAddresses.GET, new JsonObject().put("id", id), null, null).map(card -> card.getInteger("available"));
  }

  private Future<Long> count(String sql, Object... args) {
    return catalog.sql.preparedQuery(sql).execute(Tuple.wrap(args)).map(rows -> rows.iterator().next().getLong(0));
  }

  private Future<Void> stockRow(String id, int expected) {
    return Eventually.until(vertx, "the stock of " + id + " becomes " + expected, 20_000,
      () -> catalog.sql.preparedQuery("SELECT available FROM catalog.stock WHERE product_id = $1").execute(Tuple.of(UUID.fromString(id)))
        .map(rows -> rows.size() > 0 && rows.iterator().next().getInteger("available") == expected));
  }

  /**
   * Card and search show the stock soon after catalog stores it (the index follows the table);
   * how soon is measured by scripts/bench-search.sh, not asserted here.
   */
  private Future<Void> shown(String id, int expected) {
    return Eventually.until(vertx, "card and search of " + id + " show " + expected, 10_000,
        () -> catalog.ask(CatalogAddresses.SEARCH, new JsonObject().put("q", "Stock Test").put("in_stock", "true"), null, null)
          .compose(found -> available(id).map(card -> card == expected && found.getJsonArray("items").size() == (expected > 0 ? 1 : 0))))
      // what they showed instead, for the failure
      .recover(notShown -> Future.all(available(id), catalog.ask(CatalogAddresses.INDEX_STATUS, new JsonObject(), null, null),
          catalog.sql.preparedQuery("SELECT available, change_txid FROM catalog.products WHERE id = $1").execute(Tuple.of(UUID.fromString(id))))
        .transform(ar -> Future.failedFuture(new AssertionError(notShown.getMessage()
          + (ar.succeeded() ? ": card " + ar.result().resultAt(0) + ", index " + ar.result().<JsonObject>resultAt(1).encode() + ", table "
          + ar.result().<io.vertx.sqlclient.RowSet<io.vertx.sqlclient.Row>>resultAt(2).iterator().next().toJson() : "")))));
  }

  @Test
  void availabilityFollowsStockEventsIgnoringDuplicatesAndOlderStates(VertxTestContext ctx) {
    String seller = CatalogFixture.newUser();
    Instant t0 = Instant.now();
    catalog.newProduct(seller, "Смартфон Stock Test", "", "StockBrand", 111, 1_000_00).map(created -> created.getString("id"))
      .compose(id -> available(id)
        .compose(before -> {
          ctx.verify(() -> assertThat(before).isZero());
          EventEnvelope first = stockChanged(id, 7, t0);
          return publish(first).compose(v -> stockRow(id, 7)).compose(v -> shown(id, 7))
            // the same event again, even with other data, changes nothing; an older state changes nothing
            .compose(v -> publish(new EventEnvelope(first.eventId(), first.type(), t0.plusSeconds(5), id, first.data().copy().put("available", 1))))
            .compose(v -> publish(stockChanged(id, 3, t0.minusSeconds(10))))
            // a newer state after them wins; it also proves the two before were consumed (same partition, in order)
            .compose(v -> publish(stockChanged(id, 0, t0.plusSeconds(1))));
        })
        .compose(v -> stockRow(id, 0))
        .compose(v -> shown(id, 0)))
      .compose(v -> count("SELECT count(*) AS n FROM catalog.processed_events"))
      .map(processed -> ctx.verify(() -> assertThat(processed).isEqualTo(3L)))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void stockKnownBeforeTheProductIsListedAppliesWhenItIs(VertxTestContext ctx) {
    // inventory may speak of a product catalog learns of later: its stock row waits for it
    String id = UUID.randomUUID().toString();
    publish(stockChanged(id, 4, Instant.now()))
      .compose(v -> stockRow(id, 4))
      .compose(v -> count("SELECT count(*) AS n FROM catalog.products WHERE id = $1", UUID.fromString(id)))
      .map(products -> ctx.verify(() -> assertThat(products).isZero()))
      .onComplete(ctx.succeedingThenComplete());
  }
}
