package dev.marketplace.catalog;

import dev.marketplace.contracts.Components;
import dev.marketplace.contracts.catalog.CatalogAddresses;
import dev.marketplace.platform.ComponentVerticle;
import dev.marketplace.platform.bus.Caller;
import dev.marketplace.platform.pg.PgSupport;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;

/**
 * The catalog component: categories, sellers' listings, search, and catalog's copy of stock.
 *
 * <p>Config ({@code catalog} section): {@code cursor_secret} (signs search cursors; every node
 * must share it: without one a random secret is generated and cursors do not survive a restart
 * or work across nodes), {@code facet_cache_ms} (how long facets of one query are reused,
 * default 3000; 0 turns the cache off), {@code facet_row_limit} (facets count at most
 * that many matches, default 10000, then say {@code exact:false}; 0 counts every match), {@code search_pool_size} (connections of the search pool, default 8),
 * {@code search_timeout_ms} (PostgreSQL statement timeout of searches, default 3000), {@code consume_stock} (default true: follow
 * {@code inventory.events} in consumer group {@code consumer_group}, default "catalog"),
 * {@code seed_sample_products} (on start, seed that many generated
 * products when the catalog is empty; default 0).
 */
public class CatalogVerticle extends ComponentVerticle {
  private static final Logger LOG = LoggerFactory.getLogger(CatalogVerticle.class);

  private StockEventsConsumer stockConsumer;
  private Pool searchPool;

  @Override
  protected boolean publishesEvents() {
    return true;
  }

  @Override
  protected String name() {
    return Components.CATALOG;
  }

  @Override
  protected Future<?> startComponent() {
    JsonObject section = section();
    return seedSampleProducts(section.getInteger("seed_sample_products", 0))
      .compose(v -> Categories.load(pool))
      .compose(categories -> {
        searchPool = searchPool(section);
        SearchService search = new SearchService(searchPool, new CursorCodec(cursorSecret(section)), categories,
          section.getLong("facet_cache_ms", 3000L), section.getInteger("facet_row_limit", 10_000));
        ProductService products = new ProductService(pool, outbox, relay, categories);
        serve(CatalogAddresses.CATEGORIES, msg -> products.categories());
        serve(CatalogAddresses.SEARCH, msg -> search.search(msg.body()));
        serve(CatalogAddresses.GET, msg -> products.get(msg.body()));
        serve(CatalogAddresses.CREATE, msg -> products.create(Caller.of(msg), msg.body()));
        serve(CatalogAddresses.UPDATE, msg -> products.update(Caller.of(msg), msg.body()));
        serve(CatalogAddresses.DELETE, msg -> products.delete(Caller.of(msg), msg.body()));
        serve(CatalogAddresses.SNAPSHOT, msg -> products.snapshot(msg.body()));
        if (!section.getBoolean("consume_stock", true)) {
          return Future.succeededFuture();
        }
        stockConsumer = new StockEventsConsumer(vertx, config(), pool,
          section.getString("consumer_group", StockEventsConsumer.GROUP));
        return stockConsumer.start();
      });
  }

  @Override
  protected Future<?> stopComponent() {
    return (stockConsumer == null ? Future.succeededFuture() : stockConsumer.stop())
      .transform(x -> searchPool == null ? Future.succeededFuture() : searchPool.close());
  }

  /**
   * Search has a pool of its own with JIT off: at a million products the planner's cost estimates
   * cross jit_above_cost, and compiling a query takes longer than running it.
   */
  private Pool searchPool(JsonObject section) {
    // a search that cannot finish in time fails alone instead of holding a connection others wait for
    PgConnectOptions options = PgSupport.connectOptions(config()).addProperty("jit", "off")
      .addProperty("statement_timeout", String.valueOf(section.getInteger("search_timeout_ms", 3000)));
    return PgBuilder.pool()
      .with(new PoolOptions().setMaxSize(section.getInteger("search_pool_size", 8)).setMaxWaitQueueSize(10_000))
      .connectingTo(options)
      .using(vertx)
      .build();
  }

  private byte[] cursorSecret(JsonObject section) {
    String secret = section.getString("cursor_secret");
    if (secret != null && !secret.isBlank()) {
      return secret.getBytes(StandardCharsets.UTF_8);
    }
    LOG.warn("catalog.cursor_secret is not set: search cursors are signed with a random key of this instance "
      + "(they stop working after a restart and on other nodes); set it in production");
    byte[] random = new byte[32];
    new SecureRandom().nextBytes(random);
    return random;
  }

  /** First start of a demo: a small generated catalog so a newcomer sees products. */
  private Future<Void> seedSampleProducts(int count) {
    if (count <= 0) {
      return Future.succeededFuture();
    }
    PgConnectOptions pg = PgSupport.connectOptions(config());
    return vertx.executeBlocking(() -> CatalogSeeder.seed(PgSupport.jdbcUrl(pg), pg.getUser(), pg.getPassword(),
        count, System.nanoTime(), true, false), false)
      .onSuccess(report -> {
        if (!report.skipped()) {
          LOG.info("Seeded {} sample products in {} ms", report.products(), report.millis());
        }
      })
      .mapEmpty();
  }
}
