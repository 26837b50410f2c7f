package dev.marketplace.catalog;

import dev.marketplace.contracts.BusHeaders;
import dev.marketplace.contracts.ServiceFailure;
import dev.marketplace.contracts.catalog.CatalogAddresses;
import dev.marketplace.platform.bus.Bus;
import dev.marketplace.platform.pg.PgSupport;
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

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * A catalog verticle on a fresh database, helpers to talk to it over the bus, and a pool for direct
 * SQL checks: blocking ones for the JUnit thread ({@link #start}, {@link #request}), and futures for a
 * test written as one chain on the Vert.x {@code VertxExtension} injects ({@link #deploy}, {@link #ask}).
 */
final class CatalogFixture implements AutoCloseable {
  final Vertx vertx;
  final JsonObject config;
  final Pool sql;
  /** Whether {@link #close} closes {@link #vertx} too (not when it was given, {@link #deploy}). */
  private final boolean ownsVertx;

  private CatalogFixture(Vertx vertx, JsonObject config, Pool sql) {
    this(vertx, config, sql, true);
  }

  private CatalogFixture(Vertx vertx, JsonObject config, Pool sql, boolean ownsVertx) {
    this.vertx = vertx;
    this.config = config;
    this.sql = sql;
    this.ownsVertx = ownsVertx;
  }

  static CatalogFixture start(Consumer<JsonObject> tweak) throws Exception {
    return on(config(tweak));
  }

  /** The test config of a catalog: stock events off, a fixed cursor secret, quick index and outbox polls, then {@code tweak}. */
  static JsonObject config(Consumer<JsonObject> tweak) {
    JsonObject config = TestInfra.shared().config();
    config.getJsonObject("catalog").put("consume_stock", false).put("cursor_secret", "test-secret")
      .put("wait_for_index_ms", 300_000).put("index_poll_ms", 50);
    config.getJsonObject("outbox").put("poll_interval_ms", 50);
    tweak.accept(config);
    return config;
  }

  /** A catalog deployed on {@code vertx} (which the caller closes) with {@link #config}; {@link #closeSql} when done. */
  static Future<CatalogFixture> deploy(Vertx vertx, Consumer<JsonObject> tweak) {
    JsonObject config = config(tweak);
    return vertx.deployVerticle(new CatalogVerticle(), new DeploymentOptions().setConfig(config))
      .map(id -> new CatalogFixture(vertx, config, PgSupport.pool(vertx, config, 2), false));
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

  /** {@link #create}, as a future. */
  Future<JsonObject> newProduct(String sellerId, String title, String description, String brand, int categoryId, long price) {
    JsonObject product = new JsonObject().put("title", title).put("description", description).put("brand", brand)
      .put("category_id", categoryId).put("price", new JsonObject().put("amount", price).put("currency", "RUB"))
      .put("attributes", new JsonObject().put("color", "черный"));
    return ask(CatalogAddresses.CREATE, new JsonObject().put("product", product), sellerId, "seller");
  }

  Future<Void> closeSql() {
    return sql.close();
  }

  /** Another catalog instance with this exact config (the same database). */
  static CatalogFixture on(JsonObject config) throws Exception {
    Vertx vertx = Vertx.vertx();
    // a first deployment also migrates and meets a cold broker: generous on a machine shared with benchmarks
    vertx.deployVerticle(new CatalogVerticle(), new DeploymentOptions().setConfig(config))
      .toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
    return new CatalogFixture(vertx, config, PgSupport.pool(vertx, config, 2));
  }

  /** Only a pool on the database of {@code config}: no catalog instance runs. */
  static CatalogFixture sqlOnly(JsonObject config) {
    Vertx vertx = Vertx.vertx();
    return new CatalogFixture(vertx, config, PgSupport.pool(vertx, config, 2));
  }

  /** Waits until this instance's index has applied every change committed so far. */
  void awaitIndexed() throws Exception {
    long next = query("SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS x").get(0).getLong("x");
    long deadline = System.currentTimeMillis() + 15_000;
    while (true) {
      JsonObject status = request(CatalogAddresses.INDEX_STATUS, new JsonObject(), null, null);
      if (status.getLong("horizon", 0L) >= next && "ready".equals(status.getString("state"))) {
        return;
      }
      if (System.currentTimeMillis() > deadline) {
        fail("the index did not catch up: " + status.encode() + ", waiting for " + next);
      }
      Thread.sleep(20);
    }
  }

  JsonObject indexStatus() throws Exception {
    return request(CatalogAddresses.INDEX_STATUS, new JsonObject(), null, null);
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  JsonObject request(String address, JsonObject body, String userId, String roles) throws Exception {
    return await(ask(address, body, userId, roles));
  }

  /** The failure of a request that must fail. */
  ServiceFailure failure(String address, JsonObject body, String userId, String roles) throws Exception {
    try {
      JsonObject reply = request(address, body, userId, roles);
      return fail("expected a failure, got " + reply);
    } catch (java.util.concurrent.ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(ReplyException.class);
      return ServiceFailure.from(e.getCause());
    }
  }

  JsonObject search(JsonObject params) throws Exception {
    return request(CatalogAddresses.SEARCH, params, null, null);
  }

  /** Every page of a search, following next_cursor. */
  List<JsonObject> searchAll(JsonObject params) throws Exception {
    List<JsonObject> items = new ArrayList<>();
    String cursor = null;
    do {
      JsonObject p = params.copy();
      if (cursor != null) {
        p.put("cursor", cursor);
      }
      JsonObject page = search(p);
      page.getJsonArray("items").forEach(o -> items.add((JsonObject) o));
      cursor = page.getString("next_cursor");
    } while (cursor != null);
    return items;
  }

  JsonObject create(String sellerId, String title, String description, String brand, int categoryId, long price) throws Exception {
    return await(newProduct(sellerId, title, description, brand, categoryId, price));
  }

  void execute(String statement, Object... params) throws Exception {
    await(sql.preparedQuery(statement).execute(Tuple.wrap(params)));
  }

  List<Row> query(String statement, Object... params) throws Exception {
    List<Row> rows = new ArrayList<>();
    await(sql.preparedQuery(statement).execute(Tuple.wrap(params))).forEach(rows::add);
    return rows;
  }

  static String newUser() {
    return UUID.randomUUID().toString();
  }

  @Override
  public void close() throws Exception {
    await(sql.close());
    if (ownsVertx) {
      await(vertx.close());
    }
  }
}
