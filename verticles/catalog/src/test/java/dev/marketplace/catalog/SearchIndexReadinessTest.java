package dev.marketplace.catalog;

import dev.marketplace.contracts.Addresses;
import dev.marketplace.contracts.Components;
import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.catalog.CatalogAddresses;
import dev.marketplace.platform.testing.Eventually;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Transaction;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The readiness the gateway's {@code /ready} asks for (the component's ping): DOWN with
 * SERVICE_UNAVAILABLE while an instance builds its first index, UP once it serves, and UP
 * throughout a rebuild (the old index serves meanwhile). The first build is held at a known point
 * by a lock on the products table (its scan cannot read until the test lets it); the rebuild is
 * watched as it runs over 5,000 products.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 240, timeUnit = TimeUnit.SECONDS)
class SearchIndexReadinessTest {
  private static final JsonObject QUERY = new JsonObject().put("q", "readycheck");
  private static final int BULK = 5_000;
  private static final String PING = Addresses.ping(Components.CATALOG);

  @Test
  void notReadyWhileTheFirstIndexIsBuiltReadyOnceItServesAndThroughARebuild(Vertx vertx, VertxTestContext ctx) throws Exception {
    Path seedDir = Files.createTempDirectory("search-ready-seed-");
    Path freshDir = Files.createTempDirectory("search-ready-fresh-");
    JsonObject seedConfig = CatalogFixture.config(c -> c.getJsonObject("catalog").put("index_dir", seedDir.toString()));
    // a new instance with an empty index directory, which does not wait for its build to start
    JsonObject config = seedConfig.copy();
    config.getJsonObject("catalog").put("index_dir", freshDir.toString()).put("wait_for_index_ms", 0);
    CatalogFixture.on(vertx, seedConfig).compose(seeding -> {
        String seller = CatalogFixture.newUser();
        Future<Void> seeded = Future.succeededFuture();
        for (int i = 0; i < 3; i++) {
          int n = i;
          seeded = seeded.compose(v -> seeding.newProduct(seller, "Фонарик readycheck " + n, "", "Lumen", 53, 1_000_00 + n).mapEmpty());
        }
        // enough products that a rebuild takes a while to watch it
        return seeded.compose(v -> seeding.sql.preparedQuery("INSERT INTO catalog.products (id, seller_id, title, brand, category_id,"
              + " price_amount, currency) SELECT gen_random_uuid(), 'bulk', 'Фонарь номер ' || i, 'Lumen', 53, 100000 + i, 'RUB'"
              + " FROM generate_series(1, $1) i")
            .execute(Tuple.of(BULK)).mapEmpty())
          .eventually(seeding::close);
      })
      .eventually(() -> CatalogFixture.deleteIndex(vertx, seedDir))
      .compose(v -> {
        CatalogFixture locks = CatalogFixture.sqlOnly(vertx, config);
        return locks.sql.getConnection().compose(holder -> lockProducts(holder)
            .compose(lock -> heldThenReady(vertx, ctx, config, locks, lock))
            .eventually(holder::close))
          .eventually(locks::close);
      })
      .eventually(() -> CatalogFixture.deleteIndex(vertx, freshDir))
      .onComplete(ctx.succeedingThenComplete());
  }

  /** The fresh instance while {@code lock} holds its first build, after the lock is let go, and through a rebuild. */
  private static Future<Void> heldThenReady(Vertx vertx, VertxTestContext ctx, JsonObject config, CatalogFixture locks, Transaction lock) {
    boolean[] released = {false};
    return CatalogFixture.on(vertx, config)
      .recover(e -> lock.rollback().transform(v -> Future.failedFuture(e)))
      .compose(fresh -> fresh.indexStatus()
        // up and answering, but its first index cannot be built yet
        .map(status -> ctx.verify(() -> assertThat(status.getString("state")).isEqualTo("building")))
        .compose(v -> fresh.refusal(PING, new JsonObject(), null, null))
        .map(ping -> ctx.verify(() -> assertThat(ping.code()).isEqualTo(ErrorCode.SERVICE_UNAVAILABLE)))
        .compose(v -> fresh.refusal(CatalogAddresses.SEARCH, QUERY, null, null))
        .map(search -> ctx.verify(() -> assertThat(search.code()).isEqualTo(ErrorCode.SERVICE_UNAVAILABLE)))
        // still not ready a while later: nothing but the build makes it ready
        .compose(v -> vertx.timer(500))
        .compose(v -> fresh.refusal(PING, new JsonObject(), null, null))
        .map(ping -> ctx.verify(() -> assertThat(ping.code()).isEqualTo(ErrorCode.SERVICE_UNAVAILABLE)))
        .compose(v -> {
          released[0] = true;
          return lock.rollback();
        })
        .compose(v -> ready(vertx, fresh))
        .map(pong -> ctx.verify(() -> assertThat(pong.getString("component")).isEqualTo(Components.CATALOG)))
        .compose(v -> fresh.indexStatus())
        .map(status -> ctx.verify(() -> assertThat(status.getString("state")).isEqualTo("ready")))
        .compose(v -> fresh.search(QUERY))
        .map(found -> ctx.verify(() -> assertThat(found.getJsonArray("items")).hasSize(3)))
        // a rebuild: the old index serves meanwhile and the instance stays ready throughout
        .compose(v -> fresh.indexStatus().map(status -> status.getLong("generation")))
        .compose(generation -> SearchReindex.request(locks.sql).map(requested -> {
          ctx.verify(() -> assertThat(requested).isGreaterThan(generation));
          return requested;
        }))
        .compose(requested -> whileRebuilding(vertx, fresh, requested, System.currentTimeMillis() + 60_000, false))
        .map(sawRebuilding -> ctx.verify(() -> assertThat(sawRebuilding).as("the rebuild of " + BULK + " products was seen under way").isTrue()))
        .compose(v -> fresh.indexStatus())
        .map(status -> ctx.verify(() -> assertThat(status.getInteger("products")).isEqualTo(BULK + 3)))
        .compose(v -> fresh.ask(PING, new JsonObject(), null, null))
        .map(pong -> ctx.verify(() -> assertThat(pong.getString("component")).isEqualTo(Components.CATALOG)))
        .compose(v -> fresh.search(QUERY))
        .map(found -> ctx.verify(() -> assertThat(found.getJsonArray("items")).hasSize(3)))
        .<Void>mapEmpty()
        // let the first build go before the instance closes, if a failure came first
        .eventually(() -> released[0] ? Future.succeededFuture() : lock.rollback())
        .eventually(fresh::close));
  }

  private static Future<Transaction> lockProducts(SqlConnection holder) {
    return holder.begin().compose(tx -> holder.query("LOCK TABLE catalog.products IN ACCESS EXCLUSIVE MODE").execute().map(tx));
  }

  /** The first pong of the instance, within 60 s. */
  private static Future<JsonObject> ready(Vertx vertx, CatalogFixture catalog) {
    JsonObject[] pong = {null};
    return Eventually.until(vertx, "the catalog becomes ready", 60_000, () -> catalog.ask(PING, new JsonObject(), null, null).map(answer -> {
        pong[0] = answer;
        return true;
      }))
      .map(v -> pong[0])
      .recover(e -> catalog.indexStatus().transform(status -> Future.failedFuture(new AssertionError("the catalog never became ready: "
        + (status.succeeded() ? status.result().encode() : status.cause().toString()), e))));
  }

  /**
   * Until generation {@code requested} serves and the instance is ready: whether a status said "rebuilding" meanwhile.
   * Every step the instance answers its ping and the search as before; an assertion stops the watch at once.
   */
  private static Future<Boolean> whileRebuilding(Vertx vertx, CatalogFixture fresh, long requested, long deadline, boolean sawRebuilding) {
    return fresh.indexStatus().compose(status -> {
      if (status.getLong("generation") >= requested && "ready".equals(status.getString("state"))) {
        return Future.succeededFuture(sawRebuilding);
      }
      boolean saw = sawRebuilding || "rebuilding".equals(status.getString("state"));
      return fresh.ask(PING, new JsonObject(), null, null)
        .compose(pong -> fresh.search(QUERY).map(found -> {
          assertThat(pong.getString("component")).isEqualTo(Components.CATALOG);
          assertThat(found.getJsonArray("items")).hasSize(3);
          assertThat(System.currentTimeMillis()).as("the rebuild never took over: " + status.encode()).isLessThan(deadline);
          return saw;
        }))
        .compose(s -> vertx.timer(10).compose(t -> whileRebuilding(vertx, fresh, requested, deadline, s)));
    });
  }
}
