package dev.marketplace.catalog;

import dev.marketplace.contracts.BusHeaders;
import dev.marketplace.contracts.ServiceFailure;
import dev.marketplace.contracts.catalog.CatalogAddresses;
import dev.marketplace.platform.bus.Bus;
import dev.marketplace.platform.pg.PgSupport;
import dev.marketplace.platform.testing.Eventually;
import dev.marketplace.platform.testing.Outcomes;
import dev.marketplace.platform.testing.TestInfra;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A catalog verticle on a fresh database ({@link #deploy}) or another instance on the same one
 * ({@link #on}), helpers to talk to it over the bus, and a pool for direct SQL checks, all as futures
 * for a test written as one chain.
 */
final class CatalogFixture {
  final Vertx vertx;
  final JsonObject config;
  final Pool sql;
  /** The instance's deployment, which {@link #close} undeploys; null when only a pool ({@link #sqlOnly}). */
  private final String deploymentId;

  private CatalogFixture(Vertx vertx, JsonObject config, Pool sql, String deploymentId) {
    this.vertx = vertx;
    this.config = config;
    this.sql = sql;
    this.deploymentId = deploymentId;
  }

  /**
   * The test config of a catalog: stock events off, a fixed cursor secret, quick index and outbox polls, then {@code tweak}.
   * It creates the database with a blocking JDBC call: call it on the test thread, not in a chain.
   */
  static JsonObject config(Consumer<JsonObject> tweak) {
    JsonObject config = TestInfra.shared().config();
    config.getJsonObject("catalog").put("consume_stock", false).put("cursor_secret", "test-secret")
      .put("wait_for_index_ms", 300_000).put("index_poll_ms", 50);
    config.getJsonObject("outbox").put("poll_interval_ms", 50);
    tweak.accept(config);
    return config;
  }

  /** A catalog deployed on {@code vertx} (which the caller closes) with {@link #config}; {@link #close} when done. */
  static Future<CatalogFixture> deploy(Vertx vertx, Consumer<JsonObject> tweak) {
    return on(vertx, config(tweak));
  }

  /**
   * A catalog instance with this exact config (the same database) deployed on {@code vertx}; {@link #close} undeploys it.
   * Two instances that run at once need a Vert.x each (they serve the same addresses); one after the other, the same one.
   */
  static Future<CatalogFixture> on(Vertx vertx, JsonObject config) {
    return vertx.deployVerticle(new CatalogVerticle(), new DeploymentOptions().setConfig(config))
      .map(id -> new CatalogFixture(vertx, config, PgSupport.pool(vertx, config, 2), id));
  }

  /** Only a pool on the database of {@code config}, on {@code vertx}: no catalog instance runs. */
  static CatalogFixture sqlOnly(Vertx vertx, JsonObject config) {
    return new CatalogFixture(vertx, config, PgSupport.pool(vertx, config, 2), null);
  }

  /** A bus request as the gateway makes it for {@code userId} with {@code roles} (null: none). */
  Future<JsonObject> ask(String address, JsonObject body, String userId, String roles) {
    DeliveryOptions options = Bus.options(10_000);
    if (userId != null) {
      options.addHeader(BusHeaders.USER_ID, userId);
    }
    if (roles != null) {
      options.addHeader(BusHeaders.ROLES, roles);
    }
    return Bus.request(vertx, address, body, options);
  }

  /** The coded failure of a request that must fail: a reply failure, never a success or a local error. */
  Future<ServiceFailure> refusal(String address, JsonObject body, String userId, String roles) {
    return Outcomes.failure(ask(address, body, userId, roles)).map(failure -> {
      assertThat(failure).isInstanceOf(ReplyException.class);
      return ServiceFailure.from(failure);
    });
  }

  Future<JsonObject> search(JsonObject params) {
    return ask(CatalogAddresses.SEARCH, params, null, null);
  }

  /** Every page of a search, following next_cursor, one page after the other. */
  Future<List<JsonObject>> searchAll(JsonObject params) {
    return pagesFrom(params, null, new ArrayList<>());
  }

  private Future<List<JsonObject>> pagesFrom(JsonObject params, String cursor, List<JsonObject> items) {
    JsonObject p = params.copy();
    if (cursor != null) {
      p.put("cursor", cursor);
    }
    return search(p).compose(page -> {
      page.getJsonArray("items").forEach(o -> items.add((JsonObject) o));
      String next = page.getString("next_cursor");
      return next == null ? Future.succeededFuture(items) : pagesFrom(params, next, items);
    });
  }

  Future<JsonObject> indexStatus() {
    return ask(CatalogAddresses.INDEX_STATUS, new JsonObject(), null, null);
  }

  /** Completes once this instance's index has applied every change committed so far (15 s at most). */
  Future<Void> indexed() {
    JsonObject[] last = {null};
    return query("SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS x").map(rows -> rows.get(0).getLong("x"))
      .compose(next -> Eventually.until(vertx, "the index catches up to " + next, 15_000, () -> indexStatus().map(status -> {
          last[0] = status;
          return status.getLong("horizon", 0L) >= next && "ready".equals(status.getString("state"));
        }))
        .recover(e -> Future.failedFuture(new AssertionError("the index did not catch up: "
          + (last[0] == null ? "no status" : last[0].encode()) + ", waiting for " + next, e))));
  }

  /** A new listing by {@code sellerId}, as the seller's create request. */
  Future<JsonObject> newProduct(String sellerId, String title, String description, String brand, int categoryId, long price) {
    JsonObject product = new JsonObject().put("title", title).put("description", description).put("brand", brand)
      .put("category_id", categoryId).put("price", new JsonObject().put("amount", price).put("currency", "RUB"))
      .put("attributes", new JsonObject().put("color", "черный"));
    return ask(CatalogAddresses.CREATE, new JsonObject().put("product", product), sellerId, "seller");
  }

  Future<Void> execute(String statement, Object... params) {
    return sql.preparedQuery(statement).execute(Tuple.wrap(params)).mapEmpty();
  }

  Future<List<Row>> query(String statement, Object... params) {
    return sql.preparedQuery(statement).execute(Tuple.wrap(params)).map(rows -> {
      List<Row> list = new ArrayList<>();
      rows.forEach(list::add);
      return list;
    });
  }

  static String newUser() {
    return UUID.randomUUID().toString();
  }

  /** Deletes an index directory off the event loop (file I/O). */
  static Future<Void> deleteIndex(Vertx vertx, Path dir) {
    return vertx.executeBlocking(() -> {
      IndexGeneration.deleteTree(dir);
      return null;
    });
  }

  /** Closes the pool and stops the instance (its index, consumers and relay stop with it). */
  Future<Void> close() {
    return sql.close().compose(v -> deploymentId == null ? Future.succeededFuture() : vertx.undeploy(deploymentId));
  }
}
