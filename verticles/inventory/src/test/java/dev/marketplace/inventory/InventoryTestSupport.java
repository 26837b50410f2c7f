package dev.marketplace.inventory;

import dev.marketplace.contracts.BusHeaders;
import dev.marketplace.platform.bus.Bus;
import dev.marketplace.platform.pg.PgSupport;
import dev.marketplace.platform.testing.Await;
import dev.marketplace.platform.testing.TestInfra;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Inventory on a fresh database, a fake catalog answering {@code catalog.products.snapshot}, and helpers
 * that return futures, for tests written as one chain ending in {@code ctx.succeedingThenComplete()}.
 * One per test class as a JUnit extension, started before the class's first test and closed after its last
 * (those two callbacks block through {@link Await}: JUnit offers them no test context):
 * <pre>{@code @RegisterExtension static final InventoryTestSupport inv = new InventoryTestSupport(config -> { });}</pre>
 * or one per test: {@code inv = new InventoryTestSupport(tweak); inv.start().onComplete(ctx.succeedingThenComplete());}
 * in {@code @BeforeEach}, and {@link #stop} in {@code @AfterEach}.
 */
final class InventoryTestSupport implements BeforeAllCallback, AfterAllCallback {
  private final Consumer<JsonObject> tweak;
  Vertx vertx;
  JsonObject config;
  Pool sql;
  /** product id → seller id, as the fake catalog knows them. */
  final Map<String, String> catalog = new ConcurrentHashMap<>();

  /** Not started yet: {@link #start} (or registered as an extension) deploys inventory with the defaults changed by {@code tweak}. */
  InventoryTestSupport(Consumer<JsonObject> tweak) {
    this.tweak = tweak;
  }

  /**
   * Deploys inventory on a Vert.x of its own; completes once it is deployed. Call it from a JUnit thread:
   * taking a fresh database blocks for a moment.
   */
  Future<Void> start() {
    vertx = Vertx.vertx();
    config = TestInfra.shared().config();
    config.getJsonObject("inventory").put("buckets", 8).put("expiry_interval_ms", 200);
    tweak.accept(config);
    return vertx.eventBus().<JsonObject>consumer(InventoryVerticle.CATALOG_PRODUCTS_SNAPSHOT, msg -> {
        JsonArray products = new JsonArray();
        for (Object id : msg.body().getJsonArray("product_ids")) {
          String seller = catalog.get((String) id);
          if (seller != null) {
            products.add(new JsonObject().put("id", id).put("title", "t").put("seller_id", seller).put("deleted", false));
          }
        }
        msg.reply(new JsonObject().put("products", products));
      }).completion()
      .compose(v -> vertx.deployVerticle(new InventoryVerticle(), new DeploymentOptions().setConfig(config)))
      .map(id -> {
        sql = PgSupport.pool(vertx, config, 2);
        return null;
      });
  }

  /**
   * Closes the pool and the Vert.x (the Vert.x also when closing the pool failed). The future belongs
   * to no context of that Vert.x: a chain of its own would never go on once its event loops stopped,
   * so call this outside such a chain (from the JUnit thread, or in an {@code onComplete}).
   */
  Future<Void> stop() {
    if (vertx == null) {
      return Future.succeededFuture();
    }
    Promise<Void> stopped = Promise.promise();
    Future<Void> pool = sql == null ? Future.succeededFuture() : sql.close();
    pool.onComplete(closedPool -> vertx.close().onComplete(closedVertx -> stopped.handle(closedPool.failed() ? closedPool : closedVertx)));
    return stopped.future();
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    Await.result(start());
  }

  @Override
  public void afterAll(ExtensionContext context) {
    Await.result(stop());
  }

  Future<JsonObject> request(String address, JsonObject body, String userId, String roles) {
    DeliveryOptions options = Bus.options(30_000);
    if (userId != null) {
      options.addHeader(BusHeaders.USER_ID, userId).addHeader(BusHeaders.ROLES, roles);
    }
    return Bus.request(vertx, address, body, options);
  }

  /** A product of {@code seller} with {@code quantity} units on hand in warehouse "main". */
  Future<UUID> newProduct(String seller, int quantity) {
    UUID id = UUID.randomUUID();
    catalog.put(id.toString(), seller);
    return request("inventory.stock.set", new JsonObject().put("product_id", id.toString()).put("warehouse", "main").put("quantity", quantity),
      seller, "seller").map(id);
  }

  static JsonObject reserveBody(UUID reservationId, UUID buyerId, Object... productAndQuantity) {
    JsonArray lines = new JsonArray();
    for (int i = 0; i < productAndQuantity.length; i += 2) {
      lines.add(new JsonObject().put("product_id", productAndQuantity[i].toString()).put("quantity", productAndQuantity[i + 1]));
    }
    return new JsonObject().put("reservation_id", reservationId.toString()).put("order_id", UUID.randomUUID().toString())
      .put("buyer_id", buyerId.toString()).put("lines", lines);
  }

  /** The product's available units. */
  Future<Integer> availableOf(UUID productId) {
    return request("inventory.availability", new JsonObject().put("product_ids", new JsonArray().add(productId.toString())), null, null)
      .map(reply -> reply.getJsonArray("items").getJsonObject(0).getInteger("available"));
  }

  /** The rows of a statement on inventory's database. */
  Future<List<Row>> rows(String statement, Object... args) {
    return sql.preparedQuery(statement).execute(args.length == 0 ? Tuple.tuple() : Tuple.wrap(args)).map(rows -> rows.stream().toList());
  }

  /**
   * The never-oversell invariant, checked in SQL: per bucket held + sold <= on_hand (and so per
   * product), and per product the held and sold units equal the allocations of HELD and COMMITTED
   * reservations. The future fails with the assertion when it does not hold.
   */
  Future<Void> invariant() {
    return rows("SELECT 1 FROM inventory.stock_bucket WHERE held + sold > on_hand OR held < 0 OR sold < 0")
      .compose(overdrawn -> rows(
        "SELECT b.product_id FROM (SELECT product_id, sum(held) AS held, sum(sold) AS sold FROM inventory.stock_bucket GROUP BY product_id) b "
          + "LEFT JOIN (SELECT a.product_id, sum(a.quantity) FILTER (WHERE r.status = 'HELD') AS held, "
          + "sum(a.quantity) FILTER (WHERE r.status = 'COMMITTED') AS sold FROM inventory.reservation_allocation a "
          + "JOIN inventory.reservation r ON r.id = a.reservation_id GROUP BY a.product_id) r ON r.product_id = b.product_id "
          + "WHERE b.held <> coalesce(r.held, 0) OR b.sold <> coalesce(r.sold, 0)")
        .map(mismatches -> {
          assertThat(overdrawn).as("buckets with held + sold over on hand").isEmpty();
          assertThat(mismatches).as("products whose held or sold units differ from their reservations").isEmpty();
          return null;
        }));
  }
}
