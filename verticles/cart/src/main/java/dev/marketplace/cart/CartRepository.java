package dev.marketplace.cart;

import dev.marketplace.contracts.Money;
import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Every SQL statement of the cart, on the {@code cart} schema. */
final class CartRepository {
  private static final String USER_CART =
    "SELECT id FROM cart.carts WHERE user_id = $1";
  private static final String LOCK_USER_CART =
    "SELECT id FROM cart.carts WHERE user_id = $1 FOR UPDATE";
  private static final String CREATE_USER_CART =
    "INSERT INTO cart.carts (id, user_id, currency) VALUES ($1, $2, $3) ON CONFLICT (user_id) DO NOTHING";
  /** A guest's read also marks the cart active, at most once an hour so reads stay (almost) write-free. */
  private static final String GUEST_CART_TOUCHING = """
    WITH found AS (SELECT id, last_active_at FROM cart.carts WHERE guest_token_hash = $1),
    touched AS (
      UPDATE cart.carts c SET last_active_at = now() FROM found
      WHERE c.id = found.id AND found.last_active_at < now() - interval '1 hour'
      RETURNING c.id)
    SELECT id FROM found""";
  private static final String LOCK_GUEST_CART =
    "SELECT id FROM cart.carts WHERE guest_token_hash = $1 FOR UPDATE";
  private static final String CREATE_GUEST_CART =
    "INSERT INTO cart.carts (id, guest_token_hash, currency) VALUES ($1, $2, $3)";
  /** A guest cart whose id a request derived: a repeat of that request finds it made already. */
  private static final String CREATE_GUEST_CART_ONCE =
    "INSERT INTO cart.carts (id, guest_token_hash, currency) VALUES ($1, $2, $3) ON CONFLICT (guest_token_hash) DO NOTHING";
  private static final String RECORD_REQUEST =
    "INSERT INTO cart.applied_requests (request_hash, cart_id, created) VALUES ($1, $2, $3) ON CONFLICT (request_hash) DO NOTHING";
  private static final String APPLIED_REQUEST =
    "SELECT cart_id, created FROM cart.applied_requests WHERE request_hash = $1";
  private static final String EXPIRE_APPLIED_REQUESTS = """
    DELETE FROM cart.applied_requests WHERE request_hash IN (
      SELECT request_hash FROM cart.applied_requests
      WHERE applied_at < now() - $1::float8 * interval '1 second'
      ORDER BY applied_at LIMIT $2)""";
  private static final String TOUCH_CART =
    "UPDATE cart.carts SET last_active_at = now() WHERE id = $1";
  private static final String LOCK_CART_OWNED_BY =
    "SELECT id FROM cart.carts WHERE id = $1 AND user_id = $2 FOR UPDATE";
  private static final String DELETE_CART =
    "DELETE FROM cart.carts WHERE id = $1";
  private static final String LINES =
    "SELECT product_id, quantity, title, seen_amount, seen_currency, seen_at FROM cart.cart_lines WHERE cart_id = $1 ORDER BY added_at, product_id";
  /** The lines of a cart that is the user's; no row at all when it is not theirs, one row of NULLs when it is empty. */
  private static final String LINES_IF_OWNED = """
    SELECT l.product_id, l.quantity, l.title, l.seen_amount, l.seen_currency, l.seen_at
    FROM cart.carts c LEFT JOIN cart.cart_lines l ON l.cart_id = c.id
    WHERE c.id = $1 AND c.user_id = $2 ORDER BY l.added_at, l.product_id""";
  private static final String INSERT_LINE =
    "INSERT INTO cart.cart_lines (cart_id, product_id, quantity, title, seen_amount, seen_currency, seen_at) VALUES ($1, $2, $3, $4, $5, $6, coalesce($7, now()))";
  private static final String SET_QUANTITY =
    "UPDATE cart.cart_lines SET quantity = $3 WHERE cart_id = $1 AND product_id = $2";
  private static final String SET_MERGED_LINE =
    "UPDATE cart.cart_lines SET quantity = $3, seen_amount = $4, seen_currency = $5, seen_at = $6 WHERE cart_id = $1 AND product_id = $2";
  private static final String SET_SEEN_PRICE =
    "UPDATE cart.cart_lines SET seen_amount = $3, seen_currency = $4, seen_at = now() WHERE cart_id = $1 AND product_id = $2";
  private static final String DELETE_LINE =
    "DELETE FROM cart.cart_lines WHERE cart_id = $1 AND product_id = $2";
  private static final String DELETE_LINES =
    "DELETE FROM cart.cart_lines WHERE cart_id = $1";
  private static final String RECORD_MERGE =
    "INSERT INTO cart.merged_guest_carts (guest_token_hash, user_id) VALUES ($1, $2)";
  private static final String MERGED_BY =
    "SELECT user_id FROM cart.merged_guest_carts WHERE guest_token_hash = $1";
  private static final String RECORD_CLEAR =
    "INSERT INTO cart.cleared_orders (order_id, cart_id) VALUES ($1, $2) ON CONFLICT (order_id) DO NOTHING";
  private static final String EXPIRE_GUEST_CARTS = """
    DELETE FROM cart.carts WHERE id IN (
      SELECT id FROM cart.carts
      WHERE user_id IS NULL AND last_active_at < now() - $1::float8 * interval '1 second'
      ORDER BY last_active_at LIMIT $2)""";
  private static final String EXPIRE_MERGE_RECORDS =
    "DELETE FROM cart.merged_guest_carts WHERE merged_at < now() - $1::float8 * interval '1 second'";

  private CartRepository() {
  }

  static Future<Optional<UUID>> userCart(SqlClient client, String userId) {
    return client.preparedQuery(USER_CART).execute(Tuple.of(userId)).map(CartRepository::firstId);
  }

  /** A user's cart locked by a transaction, and whether that transaction created it. */
  record UserCart(UUID id, boolean created) {
  }

  /** The user's cart, locked for this transaction; created first if the user has none. */
  static Future<UserCart> lockOrCreateUserCart(SqlClient tx, String userId, String currency) {
    return tx.preparedQuery(CREATE_USER_CART).execute(Tuple.of(UUID.randomUUID(), userId, currency))
      .compose(inserted -> tx.preparedQuery(LOCK_USER_CART).execute(Tuple.of(userId))
        .map(rows -> new UserCart(firstId(rows).orElseThrow(), inserted.rowCount() == 1)));
  }

  static Future<Optional<UUID>> lockUserCart(SqlClient tx, String userId) {
    return tx.preparedQuery(LOCK_USER_CART).execute(Tuple.of(userId)).map(CartRepository::firstId);
  }

  static Future<Optional<UUID>> guestCartTouching(SqlClient client, String tokenHash) {
    return client.preparedQuery(GUEST_CART_TOUCHING).execute(Tuple.of(tokenHash)).map(CartRepository::firstId);
  }

  static Future<Optional<UUID>> lockGuestCart(SqlClient tx, String tokenHash) {
    return tx.preparedQuery(LOCK_GUEST_CART).execute(Tuple.of(tokenHash)).map(CartRepository::firstId);
  }

  static Future<UUID> createGuestCart(SqlClient tx, String tokenHash, String currency) {
    UUID id = UUID.randomUUID();
    return tx.preparedQuery(CREATE_GUEST_CART).execute(Tuple.of(id, tokenHash, currency)).map(id);
  }

  /** Creates the guest cart unless it exists (a repeated request); whether this call created it. */
  static Future<Boolean> createGuestCartOnce(SqlClient tx, UUID id, String tokenHash, String currency) {
    return tx.preparedQuery(CREATE_GUEST_CART_ONCE).execute(Tuple.of(id, tokenHash, currency)).map(rows -> rows.rowCount() == 1);
  }

  /** What an applied request recorded about itself. */
  record AppliedRequest(UUID cartId, boolean created) {
  }

  /**
   * Records a request as applied to the cart (in the write's transaction); empty when it is new,
   * else what its first application recorded (the write must then change nothing).
   */
  static Future<Optional<AppliedRequest>> recordRequest(SqlClient tx, String requestHash, UUID cartId, boolean created) {
    return tx.preparedQuery(RECORD_REQUEST).execute(Tuple.of(requestHash, cartId, created)).compose(inserted -> inserted.rowCount() == 1
      ? Future.succeededFuture(Optional.<AppliedRequest>empty())
      : tx.preparedQuery(APPLIED_REQUEST).execute(Tuple.of(requestHash)).map(rows -> {
          Row row = rows.iterator().next();
          return Optional.of(new AppliedRequest(row.getUUID("cart_id"), row.getBoolean("created")));
        }));
  }

  /** Deletes up to {@code batch} applied-request records older than {@code ttlSeconds}; returns how many. */
  static Future<Integer> expireAppliedRequests(SqlClient client, double ttlSeconds, int batch) {
    return client.preparedQuery(EXPIRE_APPLIED_REQUESTS).execute(Tuple.of(ttlSeconds, batch)).map(RowSet::rowCount);
  }

  static Future<Void> touch(SqlClient tx, UUID cartId) {
    return tx.preparedQuery(TOUCH_CART).execute(Tuple.of(cartId)).mapEmpty();
  }

  static Future<Boolean> lockOwnedBy(SqlClient tx, UUID cartId, String userId) {
    return tx.preparedQuery(LOCK_CART_OWNED_BY).execute(Tuple.of(cartId, userId)).map(rows -> rows.size() > 0);
  }

  static Future<Void> deleteCart(SqlClient tx, UUID cartId) {
    return tx.preparedQuery(DELETE_CART).execute(Tuple.of(cartId)).mapEmpty();
  }

  static Future<List<CartLine>> lines(SqlClient client, UUID cartId) {
    return client.preparedQuery(LINES).execute(Tuple.of(cartId)).map(rows -> {
      List<CartLine> lines = new ArrayList<>(rows.size());
      for (Row row : rows) {
        lines.add(line(row));
      }
      return lines;
    });
  }

  /**
   * The lines of the cart (in line order) when it is {@code userId}'s, empty when it is not (or
   * does not exist): the ownership check and {@link #lines} in one statement, for the checkout view.
   */
  static Future<Optional<List<CartLine>>> linesIfOwned(SqlClient client, UUID cartId, String userId) {
    return client.preparedQuery(LINES_IF_OWNED).execute(Tuple.of(cartId, userId)).map(rows -> {
      if (rows.size() == 0) {
        return Optional.<List<CartLine>>empty();
      }
      List<CartLine> lines = new ArrayList<>(rows.size());
      for (Row row : rows) {
        if (row.getUUID("product_id") != null) {
          lines.add(line(row));
        }
      }
      return Optional.of(lines);
    });
  }

  private static CartLine line(Row row) {
    return new CartLine(row.getUUID("product_id"), row.getInteger("quantity"), row.getString("title"),
      new Money(row.getLong("seen_amount"), row.getString("seen_currency")), row.getOffsetDateTime("seen_at"));
  }

  /** Inserts a line; a {@code null} seenAt means now. */
  static Future<Void> insertLine(SqlClient tx, UUID cartId, CartLine line) {
    return tx.preparedQuery(INSERT_LINE).execute(Tuple.from(new Object[] {cartId, line.productId(), line.quantity(),
      line.title(), line.seenPrice().amount(), line.seenPrice().currency(), line.seenAt()})).mapEmpty();
  }

  static Future<Integer> setQuantity(SqlClient tx, UUID cartId, UUID productId, int quantity) {
    return tx.preparedQuery(SET_QUANTITY).execute(Tuple.of(cartId, productId, quantity)).map(RowSet::rowCount);
  }

  static Future<Void> setMergedLine(SqlClient tx, UUID cartId, CartLine line) {
    return tx.preparedQuery(SET_MERGED_LINE).execute(Tuple.from(new Object[] {cartId, line.productId(), line.quantity(),
      line.seenPrice().amount(), line.seenPrice().currency(), line.seenAt()})).mapEmpty();
  }

  static Future<Void> setSeenPrice(SqlClient tx, UUID cartId, UUID productId, Money price) {
    return tx.preparedQuery(SET_SEEN_PRICE).execute(Tuple.of(cartId, productId, price.amount(), price.currency())).mapEmpty();
  }

  static Future<Integer> deleteLine(SqlClient tx, UUID cartId, UUID productId) {
    return tx.preparedQuery(DELETE_LINE).execute(Tuple.of(cartId, productId)).map(RowSet::rowCount);
  }

  static Future<Void> deleteLines(SqlClient tx, UUID cartId) {
    return tx.preparedQuery(DELETE_LINES).execute(Tuple.of(cartId)).mapEmpty();
  }

  static Future<Void> recordMerge(SqlClient tx, String tokenHash, String userId) {
    return tx.preparedQuery(RECORD_MERGE).execute(Tuple.of(tokenHash, userId)).mapEmpty();
  }

  static Future<Optional<String>> mergedBy(SqlClient client, String tokenHash) {
    return client.preparedQuery(MERGED_BY).execute(Tuple.of(tokenHash))
      .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(rows.iterator().next().getString(0)));
  }

  /** @return whether this order id is new (false: the cart was already cleared for it) */
  static Future<Boolean> recordClear(SqlClient tx, UUID orderId, UUID cartId) {
    return tx.preparedQuery(RECORD_CLEAR).execute(Tuple.of(orderId, cartId)).map(rows -> rows.rowCount() == 1);
  }

  /** Deletes up to {@code batch} guest carts idle longer than the TTL; returns how many. */
  static Future<Integer> expireGuestCarts(SqlClient client, double ttlSeconds, int batch) {
    return client.preparedQuery(EXPIRE_GUEST_CARTS).execute(Tuple.of(ttlSeconds, batch)).map(RowSet::rowCount);
  }

  static Future<Integer> expireMergeRecords(SqlClient client, double ttlSeconds) {
    return client.preparedQuery(EXPIRE_MERGE_RECORDS).execute(Tuple.of(ttlSeconds)).map(RowSet::rowCount);
  }

  private static Optional<UUID> firstId(RowSet<Row> rows) {
    return rows.size() == 0 ? Optional.empty() : Optional.of(rows.iterator().next().getUUID(0));
  }
}
