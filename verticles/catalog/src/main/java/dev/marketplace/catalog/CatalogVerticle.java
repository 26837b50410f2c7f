package dev.marketplace.catalog;

import dev.marketplace.contracts.Components;
import dev.marketplace.contracts.ErrorCode;
import dev.marketplace.contracts.catalog.CatalogAddresses;
import dev.marketplace.contracts.catalog.CatalogApi;
import dev.marketplace.platform.bus.Access;
import dev.marketplace.platform.ComponentVerticle;
import dev.marketplace.contracts.Topics;
import dev.marketplace.platform.bus.Bus;
import dev.marketplace.platform.bus.Caller;
import dev.marketplace.platform.kafka.ConsumeLoop;
import dev.marketplace.platform.pg.PgSupport;
import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;

/**
 * The catalog component: categories, sellers' listings, search (a Lucene index of its own, see
 * {@link SearchIndex}), suggestions, product cards from memory, and catalog's copy of stock.
 *
 * <p>Config ({@code catalog} section): {@code cursor_secret} (signs search cursors; every node
 * must share it: without one a random secret is generated and cursors do not survive a restart
 * or work across nodes); {@code index_dir} (where this instance keeps its index; each instance
 * needs its own; empty: a temporary directory, rebuilt on every start); {@code wait_for_index_ms}
 * (default 30000: with no index yet, starting waits that long for the first build; past it, or
 * with 0, the component starts, reports not ready and answers searches SERVICE_UNAVAILABLE until
 * the build is done: a minute or two at a million products); {@code index_poll_ms} (default 100), {@code
 * index_commit_interval_ms} (5000), {@code index_ram_buffer_mb} (64), {@code index_build_ram_buffer_mb}
 * (while a build runs: 256, at most a quarter of the heap), {@code index_build_threads} (threads indexing a build, default one per
 * core), {@code index_apply_wait_ms}
 * (2000: how long a seller's change waits for this instance's index before it is answered); {@code search_threads}
 * (the search worker pool, default 2 per core); {@code card_cache_size} (default 100,000); {@code item_cache_size} (search items kept parsed, by index
 * segment and document; default 20,000);
 * {@code consume_stock} (default true: follow {@code inventory.events} in consumer group
 * {@code consumer_group}, default "catalog"); {@code seed_sample_products} (on start, seed that
 * many generated products when the catalog is empty; default 0).
 */
public class CatalogVerticle extends ComponentVerticle {
  private static final Logger LOG = LoggerFactory.getLogger(CatalogVerticle.class);

  private SearchIndex index;
  private WorkerExecutor searchWorkers;
  private Path temporaryIndexDir;
  private MessageConsumer<JsonObject> cardConsumer;

  @Override
  protected boolean publishesEvents() {
    return true;
  }

  @Override
  protected Class<?> api() {
    return CatalogApi.class;
  }

  @Override
  protected String name() {
    return Components.CATALOG;
  }

  /** Not ready while the first index is being built (no search could be answered). */
  @Override
  protected Future<Void> readiness() {
    return index != null && index.ready() ? Future.succeededFuture()
      : Future.failedFuture(ErrorCode.SERVICE_UNAVAILABLE.failure("The search index is being built."));
  }

  @Override
  protected Future<?> startComponent() {
    JsonObject section = section();
    return seedSampleProducts(section.getInteger("seed_sample_products", 0))
      .compose(v -> Categories.load(pool))
      .compose(categories -> {
        Path indexDir;
        try {
          indexDir = indexDir(section);
        } catch (IOException e) {
          return Future.failedFuture(e);
        }
        int threads = section.getInteger("search_threads", 2 * Runtime.getRuntime().availableProcessors());
        searchWorkers = vertx.createSharedWorkerExecutor("catalog-search", threads);
        ProductCards[] cards = new ProductCards[1];
        index = new SearchIndex(vertx, pool, categories, indexDir, section, ids -> cards[0].invalidate(ids));
        ProductService products = new ProductService(pool, outbox, relay, categories, index::applied);
        cards[0] = new ProductCards(index, searchWorkers, section.getLong("card_cache_size", 100_000L), products::fromDatabase);
        products.useCards(cards[0]);
        ProductSearch productSearch = new ProductSearch(categories, section.getLong("item_cache_size", 20_000L));
        SearchService search = new SearchService(index, productSearch, new CursorCodec(cursorSecret(section)), searchWorkers);
        Suggestions suggestions = new Suggestions(categories);
        serve(CatalogApi.CATEGORIES, (request, msg) -> products.categories());
        serve(CatalogApi.SEARCH, (query, msg) -> search.search(query));
        serve(CatalogApi.SUGGEST, (query, msg) -> {
          Suggestions.Input input = Suggestions.parse(query);
          return searchWorkers.executeBlocking(() -> index.withSearcher(s -> suggestions.suggest(s, input)), false);
        });
        serve(CatalogApi.GET, (request, msg) -> products.get(request.id()));
        serve(CatalogApi.CREATE, Access.role("seller"), (request, msg) -> products.create(Caller.of(msg), request));
        serve(CatalogApi.UPDATE, Access.role("seller"), (request, msg) -> products.update(Caller.of(msg), request));
        serve(CatalogApi.DELETE, Access.role("seller"), (request, msg) -> products.delete(Caller.of(msg), request.id()));
        serve(CatalogApi.SNAPSHOT, (request, msg) -> products.snapshot(request.productIds()));
        serve(CatalogApi.INDEX_STATUS, (request, msg) -> Future.succeededFuture(index.status().put("node", nodeId())));
        // cards travel as ready JSON bytes with their ETag in a header: no copy or re-encoding per request
        cardConsumer = vertx.eventBus().consumer(CatalogAddresses.CARD, msg -> {
          Future<ProductCards.Card> card;
          try {
            card = products.card(msg.body() == null ? new JsonObject() : msg.body());
          } catch (RuntimeException e) {
            card = Future.failedFuture(e);
          }
          card.onComplete(ar -> {
            if (ar.succeeded()) {
              msg.reply(ar.result().json(), new DeliveryOptions().addHeader(CatalogAddresses.ETAG_HEADER, ar.result().etag()));
            } else {
              // coded failures as they are, a database outage as a transient 503, anything else logged INTERNAL
              Bus.fail(msg, ar.cause());
            }
          });
        });
        Future<Void> indexStarted = index.start(section.getLong("wait_for_index_ms", 30_000L));
        Future<?> stock = Future.succeededFuture();
        if (section.getBoolean("consume_stock", true)) {
          StockEventsConsumer stockEvents = new StockEventsConsumer(pool);
          stock = consume(ConsumeLoop.builder(vertx, config(), section.getString("consumer_group", StockEventsConsumer.GROUP),
            List.of(Topics.INVENTORY_EVENTS)).handler(stockEvents::apply));
        }
        return Future.all(indexStarted, stock, cardConsumer.completion());
      });
  }

  @Override
  protected Future<?> stopComponent() {
    return (cardConsumer == null ? Future.succeededFuture() : cardConsumer.unregister())
      .transform(x -> index == null ? Future.succeededFuture() : index.stop())
      .transform(x -> searchWorkers == null ? Future.succeededFuture() : searchWorkers.close())
      .transform(x -> {
        if (temporaryIndexDir == null) {
          return Future.succeededFuture();
        }
        return vertx.executeBlocking(() -> {
          IndexGeneration.deleteTree(temporaryIndexDir);
          return null;
        }, false);
      });
  }

  private Path indexDir(JsonObject section) throws IOException {
    String configured = section.getString("index_dir", "");
    if (configured != null && !configured.isBlank()) {
      return Path.of(configured).toAbsolutePath();
    }
    temporaryIndexDir = Files.createTempDirectory("catalog-index-");
    LOG.info("catalog.index_dir is not set: the search index lives in {} and is rebuilt on every start", temporaryIndexDir);
    return temporaryIndexDir;
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
