package dev.marketplace.app.e2e;

import dev.marketplace.platform.pg.PgSupport;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

import static dev.marketplace.app.e2e.MarketplaceHarness.await;

/**
 * What the public API does not show, read from a {@link MarketplaceHarness}'s database for
 * end-to-end assertions: stock buckets, payment intents, sagas, outbox rows. Read-only.
 */
final class ShopDatabase implements AutoCloseable {
  private final Pool db;

  ShopDatabase(MarketplaceHarness market) {
    this.db = PgSupport.pool(market.vertx, market.config, 2);
  }

  /** {on hand, held, sold} of the product over its buckets (on hand counts held and sold units too). */
  List<Long> stock(String productId) throws Exception {
    Row row = await(db.preparedQuery("SELECT COALESCE(SUM(on_hand), 0)::bigint, COALESCE(SUM(held), 0)::bigint, COALESCE(SUM(sold), 0)::bigint"
      + " FROM inventory.stock_bucket WHERE product_id = $1::uuid").execute(Tuple.of(productId))).iterator().next();
    return List.of(row.getLong(0), row.getLong(1), row.getLong(2));
  }

  /** The payment intent's status for the order, if it has one. */
  Optional<String> intentStatus(String orderId) throws Exception {
    RowSet<Row> rows = await(db.preparedQuery("SELECT status FROM payment.intents WHERE order_id = $1::uuid").execute(Tuple.of(orderId)));
    return rows.size() == 0 ? Optional.empty() : Optional.of(rows.iterator().next().getString("status"));
  }

  /** The payment id of the order's intent. */
  UUID paymentId(String orderId) throws Exception {
    return await(db.preparedQuery("SELECT payment_id FROM payment.intents WHERE order_id = $1::uuid").execute(Tuple.of(orderId)))
      .iterator().next().getUUID("payment_id");
  }

  /** The checkout saga's state. */
  String sagaState(String orderId) throws Exception {
    return await(db.preparedQuery("SELECT state FROM checkout.sagas WHERE id = $1::uuid").execute(Tuple.of(orderId)))
      .iterator().next().getString("state");
  }

  /** The id of the cart's saga in that state, or null. */
  String sagaIn(String cartId, String state) throws Exception {
    RowSet<Row> rows = await(db.preparedQuery("SELECT id FROM checkout.sagas WHERE cart_id = $1::uuid AND state = $2")
      .execute(Tuple.of(cartId, state)));
    return rows.size() == 0 ? null : rows.iterator().next().getUUID("id").toString();
  }

  /** How many events of the type payment's outbox holds for the order. */
  long paymentEvents(String orderId, String type) throws Exception {
    return count("SELECT count(*) FROM payment.outbox WHERE payload->>'type' = $1 AND record_key = $2", type, orderId);
  }

  long count(String sql, Object... params) throws Exception {
    return await(db.preparedQuery(sql).execute(Tuple.from(params))).iterator().next().getLong(0);
  }

  /** Waits (up to 30 s, every 100 ms) until the condition holds. */
  static void eventually(String what, Condition condition) throws Exception {
    long deadline = System.currentTimeMillis() + 30_000;
    while (!condition.holds()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("Timed out waiting until " + what);
      }
      Thread.sleep(100);
    }
  }

  @FunctionalInterface
  interface Condition {
    boolean holds() throws Exception;
  }

  @Override
  public void close() throws Exception {
    await(db.close());
  }
}
