package dev.marketplace.app.e2e;

import dev.marketplace.platform.pg.PgSupport;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * What the public API does not show, read from a {@link MarketplaceHarness}'s database for
 * end-to-end assertions: stock buckets, payment intents, sagas, outbox rows. Read-only.
 */
final class ShopDatabase {
  private final Vertx vertx;
  private final Pool db;

  ShopDatabase(MarketplaceHarness market) {
    this.vertx = market.vertx;
    this.db = PgSupport.pool(market.vertx, market.config, 2);
  }

  /** {on hand, held, sold} of the product over its buckets (on hand counts held and sold units too). */
  Future<List<Long>> stock(String productId) {
    return db.preparedQuery("SELECT COALESCE(SUM(on_hand), 0)::bigint, COALESCE(SUM(held), 0)::bigint, COALESCE(SUM(sold), 0)::bigint"
        + " FROM inventory.stock_bucket WHERE product_id = $1::uuid").execute(Tuple.of(productId))
      .map(rows -> {
        Row row = rows.iterator().next();
        return List.of(row.getLong(0), row.getLong(1), row.getLong(2));
      });
  }

  /** The payment intent's status for the order, if it has one. */
  Future<Optional<String>> intentStatus(String orderId) {
    return db.preparedQuery("SELECT status FROM payment.intents WHERE order_id = $1::uuid").execute(Tuple.of(orderId))
      .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(rows.iterator().next().getString("status")));
  }

  /** The payment id of the order's intent. */
  Future<UUID> paymentId(String orderId) {
    return db.preparedQuery("SELECT payment_id FROM payment.intents WHERE order_id = $1::uuid").execute(Tuple.of(orderId))
      .map(rows -> rows.iterator().next().getUUID("payment_id"));
  }

  /** The checkout saga's state. */
  Future<String> sagaState(String orderId) {
    return db.preparedQuery("SELECT state FROM checkout.sagas WHERE id = $1::uuid").execute(Tuple.of(orderId))
      .map(rows -> rows.iterator().next().getString("state"));
  }

  /** The id of the cart's saga in that state, or null. */
  Future<String> sagaIn(String cartId, String state) {
    return db.preparedQuery("SELECT id FROM checkout.sagas WHERE cart_id = $1::uuid AND state = $2").execute(Tuple.of(cartId, state))
      .map((RowSet<Row> rows) -> rows.size() == 0 ? null : rows.iterator().next().getUUID("id").toString());
  }

  /** How many events of the type payment's outbox holds for the order. */
  Future<Long> paymentEvents(String orderId, String type) {
    return count("SELECT count(*) FROM payment.outbox WHERE payload->>'type' = $1 AND record_key = $2", type, orderId);
  }

  Future<Long> count(String sql, Object... params) {
    return db.preparedQuery(sql).execute(Tuple.from(params)).map(rows -> rows.iterator().next().getLong(0));
  }

  /** Until the condition holds (up to 30 s); a query that fails fails the wait at once. */
  Future<Void> eventually(String what, Supplier<Future<Boolean>> condition) {
    return Waits.until(vertx, what, 30_000, condition);
  }

  Future<Void> close() {
    return db.close();
  }
}
