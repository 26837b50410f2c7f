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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The index survives a restart (no rebuild) and catches up on every change made while it was down:
 * changes to the table, and {@code inventory.events} published to the real broker meanwhile.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class SearchIndexRestartTest {

  @Test
  void aRestartedInstanceKeepsItsIndexAndCatchesUpOnWhatItMissed(Vertx vertx, VertxTestContext ctx) throws Exception {
    Path dir = Files.createTempDirectory("search-restart-");
    JsonObject config = CatalogFixture.config(c -> c.getJsonObject("catalog").put("index_dir", dir.toString()));
    String seller = CatalogFixture.newUser();
    String[] ids = new String[3];
    CatalogFixture.on(vertx, config).compose(first -> first.newProduct(seller, "Рюкзак туристический wombatpack", "", "Tramp", 53, 5_000_00)
          .map(kept -> ids[0] = kept.getString("id"))
          .compose(v -> first.newProduct(seller, "Палатка wombatpack", "", "Tramp", 53, 9_000_00))
          .map(repriced -> ids[1] = repriced.getString("id"))
          .compose(v -> first.newProduct(seller, "Термос wombatpack", "", "Stanley", 53, 3_000_00))
          .map(deleted -> ids[2] = deleted.getString("id"))
          .compose(v -> first.search(new JsonObject().put("q", "wombatpack")))
          .map(found -> ctx.verify(() -> assertThat(found.getJsonArray("items")).hasSize(3)))
          .eventually(first::close))
      // changes while no catalog instance runs: only the table learns of them
      .compose(v -> {
        CatalogFixture sqlOnly = CatalogFixture.sqlOnly(vertx, config);
        return sqlOnly.execute("UPDATE catalog.products SET price_amount = 750000, available = 4 WHERE id = $1", UUID.fromString(ids[1]))
          .compose(w -> sqlOnly.execute("UPDATE catalog.products SET deleted_at = now() WHERE id = $1", UUID.fromString(ids[2])))
          .compose(w -> sqlOnly.execute("INSERT INTO catalog.brands (name) VALUES ('Naturehike') ON CONFLICT DO NOTHING"))
          .compose(w -> sqlOnly.execute("INSERT INTO catalog.products (id, seller_id, title, brand, category_id, price_amount, currency)"
            + " VALUES ($1, $2, 'Спальный мешок wombatpack', 'Naturehike', 53, 400000, 'RUB')", UUID.randomUUID(), seller))
          .eventually(sqlOnly::close);
      })
      .compose(v -> CatalogFixture.on(vertx, config))
      .compose(second -> second.indexStatus()
        .map(status -> ctx.verify(() -> {
          assertThat(status.getLong("generation")).isEqualTo(1L);
          assertThat(status.containsKey("last_build_ms")).as("opened, not rebuilt: " + status.encode()).isFalse();
        }))
        .compose(v -> second.indexed())
        .compose(v -> second.searchAll(new JsonObject().put("q", "wombatpack").put("sort", "price_asc")))
        .map(found -> ctx.verify(() -> {
          assertThat(found).extracting(o -> o.getString("title"))
            .containsExactly("Спальный мешок wombatpack", "Рюкзак туристический wombatpack", "Палатка wombatpack");
          assertThat(found.get(2).getJsonObject("price").getLong("amount")).isEqualTo(7_500_00L);
          assertThat(found.get(2).getInteger("available")).isEqualTo(4);
          assertThat(found).extracting(o -> o.getString("id")).contains(ids[0]).doesNotContain(ids[2]);
        }))
        .eventually(second::close))
      .eventually(() -> CatalogFixture.deleteIndex(vertx, dir))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void stockEventsPublishedWhileNoInstanceRunsReachSearchAfterTheRestart(Vertx vertx, VertxTestContext ctx) throws Exception {
    Path dir = Files.createTempDirectory("search-restart-stock-");
    String group = "catalog-restart-" + UUID.randomUUID();
    JsonObject config = CatalogFixture.config(c -> c.getJsonObject("catalog").put("index_dir", dir.toString())
      .put("consume_stock", true).put("consumer_group", group));
    List<UUID> events = new ArrayList<>();
    // a Kafka client's construction blocks: not on the event loop
    vertx.executeBlocking(() -> KafkaProducer.<String, String>create(vertx, KafkaSupport.producerConfig(config))).compose(producer ->
        CatalogFixture.on(vertx, config).compose(first -> first.newProduct(CatalogFixture.newUser(), "Фонарь bilbylamp", "", "Lumen", 53, 2_000_00)
            .map(created -> created.getString("id"))
            .compose(id -> publish(producer, id, 5, Instant.now().minusSeconds(60)).map(event -> events.add(event))
              // consumed (so the group has an offset to resume from) and shown
              .compose(v -> shownInStock(vertx, first, id, 5))
              .map(id))
            .eventually(first::close))
          .compose(id -> publish(producer, id, 0, Instant.now().minusSeconds(30)).map(event -> events.add(event))
            .compose(v -> publish(producer, id, 8, Instant.now())).map(event -> events.add(event))
            .compose(v -> CatalogFixture.on(vertx, config))
            .compose(second -> second.indexStatus()
              .map(status -> ctx.verify(() -> assertThat(status.containsKey("last_build_ms")).as("opened, not rebuilt").isFalse()))
              .compose(v -> shownInStock(vertx, second, id, 8))
              // each of them applied once (the topic is shared with other tests: only these count)
              .compose(v -> second.query("SELECT count(*) AS n FROM catalog.processed_events WHERE event_id = ANY($1)",
                (Object) events.toArray(new UUID[0])))
              .map(rows -> ctx.verify(() -> assertThat(rows.get(0).getLong("n")).isEqualTo(3L)))
              .eventually(second::close)))
          .eventually(producer::close))
      .eventually(() -> CatalogFixture.deleteIndex(vertx, dir))
      .onComplete(ctx.succeedingThenComplete());
  }

  private static Future<UUID> publish(KafkaProducer<String, String> producer, String productId, int available, Instant at) {
    JsonObject data = new JsonObject().put("product_id", productId).put("on_hand", available).put("reserved", 0)
      .put("sold", 0).put("available", available);
    EventEnvelope event = new EventEnvelope(UUID.randomUUID(), CatalogAddresses.STOCK_CHANGED, at, productId, data);
    return producer.send(KafkaProducerRecord.create(Topics.INVENTORY_EVENTS, productId, event.toJson().encode())).map(event.eventId());
  }

  /** Search (in_stock) and the card show {@code available} within 20 s. */
  private static Future<Void> shownInStock(Vertx vertx, CatalogFixture catalog, String id, int available) {
    String[] last = {"nothing yet"};
    return Eventually.until(vertx, "stock " + available + " shown", 20_000,
        () -> catalog.ask(CatalogAddresses.GET, new JsonObject().put("id", id), null, null)
          .compose(card -> catalog.search(new JsonObject().put("q", "bilbylamp").put("in_stock", "true")).map(found -> {
            int inStock = found.getJsonArray("items").size();
            last[0] = "card " + card.encode() + ", in stock " + inStock;
            return card.getInteger("available") == available && inStock == (available > 0 ? 1 : 0);
          })))
      .recover(e -> Future.failedFuture(new AssertionError("stock " + available + " not shown: " + last[0], e)));
  }

  @Test
  void anIndexOfAnotherDocumentLayoutIsRebuiltNotOpened(Vertx vertx, VertxTestContext ctx) throws Exception {
    Path dir = Files.createTempDirectory("search-restart-format-");
    JsonObject config = CatalogFixture.config(c -> c.getJsonObject("catalog").put("index_dir", dir.toString()));
    CatalogFixture.on(vertx, config).compose(first -> first.newProduct(CatalogFixture.newUser(), "Котелок dingopot", "", "Tramp", 53, 1_500_00)
          .eventually(first::close))
      // the index as an older version of the catalog left it: same database, complete, another layout (file I/O: on a worker)
      .compose(v -> vertx.executeBlocking(() -> markAsFormat1(dir.resolve("1"))))
      .map(before -> ctx.verify(() -> assertThat(before).containsEntry("format", IndexGeneration.CURRENT_FORMAT)))
      .compose(v -> CatalogFixture.on(vertx, config))
      .compose(second -> second.indexStatus()
        .map(status -> ctx.verify(() -> assertThat(status.containsKey("last_build_ms")).as("rebuilt: " + status.encode()).isTrue()))
        .compose(v -> second.search(new JsonObject().put("q", "dingopot")))
        .map(found -> ctx.verify(() -> assertThat(found.getJsonArray("items")).hasSize(1)))
        .eventually(second::close))
      .eventually(() -> CatalogFixture.deleteIndex(vertx, dir))
      .onComplete(ctx.succeedingThenComplete());
  }

  /** Rewrites the index's commit data to say format 1 when it says the current format; the commit data found. */
  private static Map<String, String> markAsFormat1(Path generation) throws Exception {
    try (org.apache.lucene.store.Directory directory = org.apache.lucene.store.FSDirectory.open(generation);
         org.apache.lucene.index.IndexWriter writer = new org.apache.lucene.index.IndexWriter(directory,
           new org.apache.lucene.index.IndexWriterConfig().setOpenMode(org.apache.lucene.index.IndexWriterConfig.OpenMode.APPEND))) {
      Map<String, String> found = new HashMap<>();
      writer.getLiveCommitData().forEach(e -> found.put(e.getKey(), e.getValue()));
      if (IndexGeneration.CURRENT_FORMAT.equals(found.get("format"))) {
        Map<String, String> data = new HashMap<>(found);
        data.put("format", "1");
        writer.setLiveCommitData(data.entrySet());
        writer.commit();
      }
      return found;
    }
  }
}
