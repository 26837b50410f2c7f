package dev.marketplace.catalog;

import dev.marketplace.contracts.EventEnvelope;
import dev.marketplace.contracts.Topics;
import dev.marketplace.contracts.catalog.CatalogAddresses;
import dev.marketplace.platform.kafka.KafkaSupport;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The index survives a restart (no rebuild) and catches up on every change made while it was down:
 * changes to the table, and {@code inventory.events} published to the real broker meanwhile.
 */
class SearchIndexRestartTest {

  @Test
  void aRestartedInstanceKeepsItsIndexAndCatchesUpOnWhatItMissed() throws Exception {
    Path dir = Files.createTempDirectory("search-restart-");
    JsonObject config;
    String seller = CatalogFixture.newUser();
    String kept;
    String repriced;
    String deleted;
    try (CatalogFixture first = CatalogFixture.start(c -> c.getJsonObject("catalog").put("index_dir", dir.toString()))) {
      config = first.config;
      kept = first.create(seller, "Рюкзак туристический wombatpack", "", "Tramp", 53, 5_000_00).getString("id");
      repriced = first.create(seller, "Палатка wombatpack", "", "Tramp", 53, 9_000_00).getString("id");
      deleted = first.create(seller, "Термос wombatpack", "", "Stanley", 53, 3_000_00).getString("id");
      assertThat(first.search(new JsonObject().put("q", "wombatpack")).getJsonArray("items")).hasSize(3);
    }
    // changes while no catalog instance runs: only the table learns of them
    try (CatalogFixture sqlOnly = CatalogFixture.sqlOnly(config)) {
      sqlOnly.execute("UPDATE catalog.products SET price_amount = 750000, available = 4 WHERE id = $1", UUID.fromString(repriced));
      sqlOnly.execute("UPDATE catalog.products SET deleted_at = now() WHERE id = $1", UUID.fromString(deleted));
      sqlOnly.execute("INSERT INTO catalog.brands (name) VALUES ('Naturehike') ON CONFLICT DO NOTHING");
      sqlOnly.execute("INSERT INTO catalog.products (id, seller_id, title, brand, category_id, price_amount, currency)"
        + " VALUES ($1, $2, 'Спальный мешок wombatpack', 'Naturehike', 53, 400000, 'RUB')", UUID.randomUUID(), seller);
    }
    try (CatalogFixture second = CatalogFixture.on(config)) {
      JsonObject status = second.indexStatus();
      assertThat(status.getLong("generation")).isEqualTo(1L);
      assertThat(status.containsKey("last_build_ms")).as("opened, not rebuilt: " + status.encode()).isFalse();
      second.awaitIndexed();
      List<JsonObject> found = second.searchAll(new JsonObject().put("q", "wombatpack").put("sort", "price_asc"));
      assertThat(found).extracting(o -> o.getString("title"))
        .containsExactly("Спальный мешок wombatpack", "Рюкзак туристический wombatpack", "Палатка wombatpack");
      assertThat(found.get(2).getJsonObject("price").getLong("amount")).isEqualTo(7_500_00L);
      assertThat(found.get(2).getInteger("available")).isEqualTo(4);
      assertThat(found).extracting(o -> o.getString("id")).contains(kept).doesNotContain(deleted);
    } finally {
      IndexGeneration.deleteTree(dir);
    }
  }

  @Test
  void stockEventsPublishedWhileNoInstanceRunsReachSearchAfterTheRestart() throws Exception {
    Path dir = Files.createTempDirectory("search-restart-stock-");
    String group = "catalog-restart-" + UUID.randomUUID();
    JsonObject config;
    String id;
    List<UUID> events = new java.util.ArrayList<>();
    try (CatalogFixture first = CatalogFixture.start(c -> c.getJsonObject("catalog").put("index_dir", dir.toString())
      .put("consume_stock", true).put("consumer_group", group))) {
      config = first.config;
      id = first.create(CatalogFixture.newUser(), "Фонарь bilbylamp", "", "Lumen", 53, 2_000_00).getString("id");
      try (KafkaProducer<String, String> producer = new KafkaProducer<>(new HashMap<>(KafkaSupport.producerConfig(config)))) {
        events.add(publish(producer, id, 5, Instant.now().minusSeconds(60)));
      }
      // consumed (so the group has an offset to resume from) and shown
      awaitStock(first, id, 5);
    }
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(new HashMap<>(KafkaSupport.producerConfig(config)))) {
      events.add(publish(producer, id, 0, Instant.now().minusSeconds(30)));
      events.add(publish(producer, id, 8, Instant.now()));
    }
    try (CatalogFixture second = CatalogFixture.on(config)) {
      assertThat(second.indexStatus().containsKey("last_build_ms")).as("opened, not rebuilt").isFalse();
      awaitStock(second, id, 8);
      // each of them applied once (the topic is shared with other tests: only these count)
      assertThat(second.query("SELECT count(*) AS n FROM catalog.processed_events WHERE event_id = ANY($1)",
        (Object) events.toArray(new UUID[0])).get(0).getLong("n")).isEqualTo(3L);
    } finally {
      IndexGeneration.deleteTree(dir);
    }
  }

  private static UUID publish(KafkaProducer<String, String> producer, String productId, int available, Instant at) throws Exception {
    JsonObject data = new JsonObject().put("product_id", productId).put("on_hand", available).put("reserved", 0)
      .put("sold", 0).put("available", available);
    EventEnvelope event = new EventEnvelope(UUID.randomUUID(), CatalogAddresses.STOCK_CHANGED, at, productId, data);
    producer.send(new ProducerRecord<>(Topics.INVENTORY_EVENTS, productId, event.toJson().encode())).get();
    return event.eventId();
  }

  /** Search (in_stock) and the card show {@code available} within 20 s. */
  private static void awaitStock(CatalogFixture catalog, String id, int available) throws Exception {
    long deadline = System.currentTimeMillis() + 20_000;
    while (true) {
      JsonObject card = catalog.request(CatalogAddresses.GET, new JsonObject().put("id", id), null, null);
      List<?> inStock = catalog.search(new JsonObject().put("q", "bilbylamp").put("in_stock", "true")).getJsonArray("items").getList();
      if (card.getInteger("available") == available && inStock.size() == (available > 0 ? 1 : 0)) {
        return;
      }
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("stock " + available + " not shown: card " + card.encode() + ", in stock " + inStock.size());
      }
      Thread.sleep(50);
    }
  }

  @Test
  void anIndexOfAnotherDocumentLayoutIsRebuiltNotOpened() throws Exception {
    Path dir = Files.createTempDirectory("search-restart-format-");
    JsonObject config;
    try (CatalogFixture first = CatalogFixture.start(c -> c.getJsonObject("catalog").put("index_dir", dir.toString()))) {
      config = first.config;
      first.create(CatalogFixture.newUser(), "Котелок dingopot", "", "Tramp", 53, 1_500_00);
    }
    // the index as an older version of the catalog left it: same database, complete, another layout
    try (org.apache.lucene.store.Directory directory = org.apache.lucene.store.FSDirectory.open(dir.resolve("1"));
         org.apache.lucene.index.IndexWriter writer = new org.apache.lucene.index.IndexWriter(directory,
           new org.apache.lucene.index.IndexWriterConfig().setOpenMode(org.apache.lucene.index.IndexWriterConfig.OpenMode.APPEND))) {
      java.util.Map<String, String> data = new HashMap<>();
      writer.getLiveCommitData().forEach(e -> data.put(e.getKey(), e.getValue()));
      assertThat(data).containsEntry("format", IndexGeneration.CURRENT_FORMAT);
      data.put("format", "1");
      writer.setLiveCommitData(data.entrySet());
      writer.commit();
    }
    try (CatalogFixture second = CatalogFixture.on(config)) {
      assertThat(second.indexStatus().containsKey("last_build_ms")).as("rebuilt: " + second.indexStatus().encode()).isTrue();
      assertThat(second.search(new JsonObject().put("q", "dingopot")).getJsonArray("items")).hasSize(1);
    } finally {
      IndexGeneration.deleteTree(dir);
    }
  }
}
