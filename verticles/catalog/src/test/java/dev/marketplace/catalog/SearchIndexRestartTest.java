package dev.marketplace.catalog;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The index survives a restart (no rebuild) and catches up on every change made while it was down. */
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
}
