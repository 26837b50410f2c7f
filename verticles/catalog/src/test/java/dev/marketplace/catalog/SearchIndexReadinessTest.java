package dev.marketplace.catalog;

import dev.marketplace.contracts.Addresses;
import dev.marketplace.contracts.Components;
import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.catalog.CatalogAddresses;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Transaction;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The readiness the gateway's {@code /ready} asks for (the component's ping): DOWN with
 * SERVICE_UNAVAILABLE while an instance builds its first index, UP once it serves, and UP
 * throughout a rebuild (the old index serves meanwhile). The first build is held at a known point
 * by a lock on the products table (its scan cannot read until the test lets it); the rebuild is
 * watched as it runs over 5,000 products.
 */
class SearchIndexReadinessTest {
  private static final JsonObject QUERY = new JsonObject().put("q", "readycheck");
  private static final int BULK = 5_000;

  @Test
  void notReadyWhileTheFirstIndexIsBuiltReadyOnceItServesAndThroughARebuild() throws Exception {
    Path seedDir = Files.createTempDirectory("search-ready-seed-");
    Path freshDir = Files.createTempDirectory("search-ready-fresh-");
    JsonObject config;
    try (CatalogFixture seeding = CatalogFixture.start(c -> c.getJsonObject("catalog").put("index_dir", seedDir.toString()))) {
      config = seeding.config.copy();
      String seller = CatalogFixture.newUser();
      for (int i = 0; i < 3; i++) {
        seeding.create(seller, "Фонарик readycheck " + i, "", "Lumen", 53, 1_000_00 + i);
      }
      // enough products that a rebuild takes a while to watch it
      seeding.sql.preparedQuery("INSERT INTO catalog.products (id, seller_id, title, brand, category_id, price_amount, currency)"
          + " SELECT gen_random_uuid(), 'bulk', 'Фонарь номер ' || i, 'Lumen', 53, 100000 + i, 'RUB' FROM generate_series(1, $1) i")
        .execute(io.vertx.sqlclient.Tuple.of(BULK)).toCompletionStage().toCompletableFuture().get(120, java.util.concurrent.TimeUnit.SECONDS);
    } finally {
      IndexGeneration.deleteTree(seedDir);
    }
    // a new instance with an empty index directory, which does not wait for its build to start
    config.getJsonObject("catalog").put("index_dir", freshDir.toString()).put("wait_for_index_ms", 0);
    try (CatalogFixture locks = CatalogFixture.sqlOnly(config)) {
      SqlConnection holder = CatalogFixture.await(locks.sql.getConnection());
      Transaction lock = lockProducts(holder);
      CatalogFixture fresh;
      try {
        fresh = CatalogFixture.on(config);
      } catch (Exception e) {
        CatalogFixture.await(lock.rollback());
        throw e;
      }
      try {
        // up and answering, but its first index cannot be built yet
        assertThat(fresh.indexStatus().getString("state")).isEqualTo("building");
        assertThat(fresh.failure(Addresses.ping(Components.CATALOG), new JsonObject(), null, null).code())
          .isEqualTo(ErrorCode.SERVICE_UNAVAILABLE);
        assertThat(fresh.failure(CatalogAddresses.SEARCH, QUERY, null, null).code()).isEqualTo(ErrorCode.SERVICE_UNAVAILABLE);
        // still not ready a while later: nothing but the build makes it ready
        Thread.sleep(500);
        assertThat(fresh.failure(Addresses.ping(Components.CATALOG), new JsonObject(), null, null).code())
          .isEqualTo(ErrorCode.SERVICE_UNAVAILABLE);

        CatalogFixture.await(lock.rollback());
        JsonObject pong = awaitReady(fresh);
        assertThat(pong.getString("component")).isEqualTo(Components.CATALOG);
        assertThat(fresh.indexStatus().getString("state")).isEqualTo("ready");
        assertThat(fresh.search(QUERY).getJsonArray("items")).hasSize(3);

        // a rebuild: the old index serves meanwhile and the instance stays ready throughout
        long generation = fresh.indexStatus().getLong("generation");
        long requested = CatalogFixture.await(SearchReindex.request(locks.sql));
        assertThat(requested).isGreaterThan(generation);
        long deadline = System.currentTimeMillis() + 60_000;
        boolean sawRebuilding = false;
        while (true) {
          JsonObject status = fresh.indexStatus();
          if (status.getLong("generation") >= requested && "ready".equals(status.getString("state"))) {
            break;
          }
          sawRebuilding |= "rebuilding".equals(status.getString("state"));
          assertThat(fresh.request(Addresses.ping(Components.CATALOG), new JsonObject(), null, null).getString("component"))
            .isEqualTo(Components.CATALOG);
          assertThat(fresh.search(QUERY).getJsonArray("items")).hasSize(3);
          if (System.currentTimeMillis() > deadline) {
            fail("the rebuild never took over: " + status.encode());
          }
          Thread.sleep(10);
        }
        assertThat(sawRebuilding).as("the rebuild of " + BULK + " products was seen under way").isTrue();
        assertThat(fresh.indexStatus().getInteger("products")).isEqualTo(BULK + 3);
        assertThat(fresh.request(Addresses.ping(Components.CATALOG), new JsonObject(), null, null).getString("component"))
          .isEqualTo(Components.CATALOG);
        assertThat(fresh.search(QUERY).getJsonArray("items")).hasSize(3);
      } finally {
        lock.rollback();
        fresh.close();
        holder.close();
      }
    } finally {
      IndexGeneration.deleteTree(freshDir);
    }
  }

  private static Transaction lockProducts(SqlConnection holder) throws Exception {
    Transaction tx = CatalogFixture.await(holder.begin());
    CatalogFixture.await(holder.query("LOCK TABLE catalog.products IN ACCESS EXCLUSIVE MODE").execute());
    return tx;
  }

  private static JsonObject awaitReady(CatalogFixture catalog) throws Exception {
    long deadline = System.currentTimeMillis() + 60_000;
    while (true) {
      try {
        return catalog.request(Addresses.ping(Components.CATALOG), new JsonObject(), null, null);
      } catch (java.util.concurrent.ExecutionException e) {
        if (System.currentTimeMillis() > deadline) {
          fail("the catalog never became ready: " + catalog.indexStatus().encode(), e);
        }
        Thread.sleep(20);
      }
    }
  }
}
