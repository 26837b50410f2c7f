package dev.marketplace.catalog;

import dev.marketplace.contracts.EventEnvelope;
import dev.marketplace.contracts.Topics;
import dev.marketplace.contracts.catalog.CatalogAddresses;
import dev.marketplace.platform.kafka.KafkaSupport;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Catalog's copy of availability follows StockChanged events published to the real broker. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StockEventsConsumerTest {
  private CatalogFixture catalog;
  private KafkaProducer<String, String> producer;

  @BeforeAll
  void setUp() throws Exception {
    catalog = CatalogFixture.start(config -> config.getJsonObject("catalog")
      .put("consume_stock", true).put("consumer_group", "catalog-test-" + UUID.randomUUID()));
    Map<String, Object> props = new HashMap<>(KafkaSupport.producerConfig(catalog.config));
    producer = new KafkaProducer<>(props);
  }

  @AfterAll
  void tearDown() throws Exception {
    producer.close();
    catalog.close();
  }

  private EventEnvelope stockChanged(String productId, int available, Instant at) {
    JsonObject data = new JsonObject().put("product_id", productId).put("on_hand", available + 2).put("reserved", 2)
      .put("sold", 0).put("available", available);
    return new EventEnvelope(UUID.randomUUID(), CatalogAddresses.STOCK_CHANGED, at, productId, data);
  }

  private void publish(EventEnvelope event) throws Exception {
    producer.send(new ProducerRecord<>(Topics.INVENTORY_EVENTS, event.aggregateId(), event.toJson().encode())).get();
  }

  private int available(String id) throws Exception {
    return catalog.request(CatalogAddresses.GET, new JsonObject().put("id", id), null, null).getInteger("available");
  }

  private void awaitStockRow(String id, int expected) throws Exception {
    long deadline = System.currentTimeMillis() + 20_000;
    while (System.currentTimeMillis() < deadline) {
      var rows = catalog.query("SELECT available FROM catalog.stock WHERE product_id = $1", UUID.fromString(id));
      if (!rows.isEmpty() && rows.get(0).getInteger("available") == expected) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("stock of " + id + " never became " + expected);
  }

  /**
   * Card and search show the stock soon after catalog stores it (the index follows the table);
   * how soon is measured by scripts/bench-search.sh, not asserted here.
   */
  private void awaitShown(String id, int expected) throws Exception {
    long deadline = System.currentTimeMillis() + 10_000;
    while (true) {
      JsonObject found = catalog.search(new JsonObject().put("q", "Stock Test").put("in_stock", "true"));
      boolean listed = found.getJsonArray("items").size() == (expected > 0 ? 1 : 0);
      if (available(id) == expected && listed) {
        return;
      }
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("card or search of " + id + " did not show " + expected + ": card " + available(id)
          + ", search " + found.getJsonArray("items").size() + ", index " + catalog.indexStatus().encode() + ", table "
          + catalog.query("SELECT available, change_txid FROM catalog.products WHERE id = $1", UUID.fromString(id)).get(0).toJson());
      }
      Thread.sleep(20);
    }
  }

  @Test
  void availabilityFollowsStockEventsIgnoringDuplicatesAndOlderStates() throws Exception {
    String seller = CatalogFixture.newUser();
    String id = catalog.create(seller, "Смартфон Stock Test", "", "StockBrand", 111, 1_000_00).getString("id");
    assertThat(available(id)).isZero();
    Instant t0 = Instant.now();

    EventEnvelope first = stockChanged(id, 7, t0);
    publish(first);
    awaitStockRow(id, 7);
    awaitShown(id, 7);

    // the same event again, even with other data, changes nothing; an older state changes nothing
    publish(new EventEnvelope(first.eventId(), first.type(), t0.plusSeconds(5), id, first.data().copy().put("available", 1)));
    publish(stockChanged(id, 3, t0.minusSeconds(10)));
    // a newer state after them wins; it also proves the two before were consumed (same partition, in order)
    publish(stockChanged(id, 0, t0.plusSeconds(1)));
    awaitStockRow(id, 0);
    awaitShown(id, 0);
    assertThat(catalog.query("SELECT count(*) AS n FROM catalog.processed_events").get(0).getLong("n")).isEqualTo(3L);
  }

  @Test
  void stockKnownBeforeTheProductIsListedAppliesWhenItIs() throws Exception {
    // inventory may speak of a product catalog learns of later: its stock row waits for it
    String id = UUID.randomUUID().toString();
    publish(stockChanged(id, 4, Instant.now()));
    awaitStockRow(id, 4);
    assertThat(catalog.query("SELECT count(*) AS n FROM catalog.products WHERE id = $1", UUID.fromString(id)).get(0).getLong("n")).isZero();
  }
}
