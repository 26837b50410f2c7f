package dev.marketplace.inventory;

/** Every SQL statement of the inventory component ($n placeholders, schema-qualified). */
final class InventorySql {

  /**
   * One {@code StockChanged} outbox row per product in {@code $<param>} (a uuid[]), built in SQL from
   * the bucket sums as this transaction sees them: saves a round trip while bucket locks are held.
   * The payload is the same envelope {@code EventEnvelope.toJson()} writes.
   */
  static String stockChangedEvents(String productIdsParam) {
    return "INSERT INTO inventory.outbox (event_id, topic, record_key, payload) "
      + "SELECT e.event_id, 'inventory.events', e.product_id::text, jsonb_build_object("
      + "'event_id', e.event_id::text, 'type', 'StockChanged', "
      + "'occurred_at', to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), "
      + "'aggregate_id', e.product_id::text, 'data', jsonb_build_object("
      + "'product_id', e.product_id::text, 'on_hand', e.on_hand, 'reserved', e.held, 'sold', e.sold, "
      + "'available', e.on_hand - e.held - e.sold)) "
      + "FROM (SELECT gen_random_uuid() AS event_id, s.* FROM ("
      + "SELECT product_id, sum(on_hand)::int AS on_hand, sum(held)::int AS held, sum(sold)::int AS sold "
      + "FROM inventory.stock_bucket WHERE product_id = ANY(" + productIdsParam + "::uuid[]) "
      + "GROUP BY product_id ORDER BY product_id) s) e";
  }

  static final String STOCK_CHANGED_EVENTS = stockChangedEvents("$1");

  // ---- reserve

  /** Claims the reservation id; no row when the id exists already or the order was cancelled. */
  static final String INSERT_RESERVATION =
    "INSERT INTO inventory.reservation (id, order_id, buyer_id, status, reserved_until) "
      + "SELECT $1, $2, $3, 'HELD', now() + $4::int * interval '1 second' "
      + "WHERE NOT EXISTS (SELECT 1 FROM inventory.cancelled_order WHERE order_id = $2) "
      + "ON CONFLICT (id) DO NOTHING RETURNING reserved_until";

  static final String SELECT_RESERVATION =
    "SELECT status, reserved_until FROM inventory.reservation WHERE id = $1";

  static final String SELECT_RESERVATION_FOR_UPDATE =
    "SELECT status, reserved_until FROM inventory.reservation WHERE id = $1 FOR UPDATE";

  static final String SELECT_LIMITS =
    "SELECT product_id, per_buyer FROM inventory.purchase_limit WHERE product_id = ANY($1::uuid[])";

  /** Adds units to a buyer's usage unless that passes the limit ($4); no row then. Locks the row. */
  static final String ADD_USAGE =
    "INSERT INTO inventory.buyer_usage AS u (buyer_id, product_id, units) VALUES ($1, $2, $3) "
      + "ON CONFLICT (buyer_id, product_id) DO UPDATE SET units = u.units + EXCLUDED.units "
      + "WHERE u.units + EXCLUDED.units <= $4 RETURNING units";

  /**
   * Fast path: holds $2 units in one bucket that has them and that no one else has locked,
   * starting the search at bucket $3 so that concurrent buyers spread over the buckets.
   */
  static final String HOLD_IN_FREE_BUCKET =
    "UPDATE inventory.stock_bucket SET held = held + $2 WHERE product_id = $1 AND bucket = ("
      + "SELECT bucket FROM inventory.stock_bucket WHERE product_id = $1 AND on_hand - held - sold >= $2 "
      + "ORDER BY bucket < $3, bucket LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING bucket";

  /** Units free per product (no lock): a quick refusal when a product is sold out. */
  static final String AVAILABLE =
    "SELECT product_id, sum(on_hand - held - sold)::int AS available, sum(sold)::int AS sold FROM inventory.stock_bucket "
      + "WHERE product_id = ANY($1::uuid[]) GROUP BY product_id";

  /** Slow path: every bucket of a product, locked in bucket order. */
  static final String LOCK_BUCKETS =
    "SELECT bucket, on_hand, held, sold FROM inventory.stock_bucket WHERE product_id = $1 ORDER BY bucket FOR UPDATE";

  static final String HOLD_IN_BUCKETS =
    "UPDATE inventory.stock_bucket b SET held = b.held + x.quantity "
      + "FROM unnest($2::int[], $3::int[]) AS x(bucket, quantity) WHERE b.product_id = $1 AND b.bucket = x.bucket";

  /** Stores the lines and allocations and writes the StockChanged events, in one statement. */
  static final String FINISH_RESERVATION =
    "WITH lines AS (INSERT INTO inventory.reservation_line (reservation_id, product_id, quantity, counted) "
      + "SELECT $1, p, q, c FROM unnest($2::uuid[], $3::int[], $4::bool[]) AS l(p, q, c)), "
      + "allocations AS (INSERT INTO inventory.reservation_allocation (reservation_id, product_id, bucket, quantity) "
      + "SELECT $1, p, b, q FROM unnest($5::uuid[], $6::int[], $7::int[]) AS a(p, b, q)) "
      + stockChangedEvents("$2");

  /**
   * A single-line reserve in ONE autocommitted statement (one round trip, bucket lock held only
   * while it runs): holds $5 units of product $4 in a free bucket (skipping locked ones, starting at
   * $7), inserts reservation $1 (order $2, buyer $3, TTL $6 s), its line and allocation, and the
   * StockChanged event (the updated bucket as it is now plus the others as the statement's snapshot
   * sees them). No row when no free bucket has the units, the product has a per-buyer limit or the
   * order was cancelled: the caller then takes the general path. A reservation id seen before fails
   * the statement (unique violation) and changes nothing.
   */
  static final String RESERVE_ONE_LINE_AT_ONCE =
    "WITH b AS (UPDATE inventory.stock_bucket SET held = held + $5 WHERE product_id = $4 AND bucket = ("
      + "SELECT bucket FROM inventory.stock_bucket WHERE product_id = $4 AND on_hand - held - sold >= $5 "
      + "ORDER BY bucket < $7, bucket LIMIT 1 FOR UPDATE SKIP LOCKED) "
      + "AND NOT EXISTS (SELECT 1 FROM inventory.purchase_limit WHERE product_id = $4) "
      + "AND NOT EXISTS (SELECT 1 FROM inventory.cancelled_order WHERE order_id = $2) "
      + "RETURNING bucket, on_hand, held, sold), "
      + "r AS (INSERT INTO inventory.reservation (id, order_id, buyer_id, status, reserved_until) "
      + "SELECT $1, $2, $3, 'HELD', now() + $6::int * interval '1 second' FROM b RETURNING reserved_until), "
      + "l AS (INSERT INTO inventory.reservation_line (reservation_id, product_id, quantity, counted) "
      + "SELECT $1, $4, $5, false FROM r), "
      + "a AS (INSERT INTO inventory.reservation_allocation (reservation_id, product_id, bucket, quantity) "
      + "SELECT $1, $4, b.bucket, $5 FROM b, r), "
      + "t AS (SELECT (o.on_hand + b.on_hand)::int AS on_hand, (o.held + b.held)::int AS held, (o.sold + b.sold)::int AS sold "
      + "FROM b, r, (SELECT coalesce(sum(s.on_hand), 0) AS on_hand, coalesce(sum(s.held), 0) AS held, coalesce(sum(s.sold), 0) AS sold "
      + "FROM inventory.stock_bucket s, b WHERE s.product_id = $4 AND s.bucket <> b.bucket) o), "
      + "e AS (INSERT INTO inventory.outbox (event_id, topic, record_key, payload) "
      + "SELECT x.event_id, 'inventory.events', $4::text, jsonb_build_object("
      + "'event_id', x.event_id::text, 'type', 'StockChanged', "
      + "'occurred_at', to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), "
      + "'aggregate_id', $4::text, 'data', jsonb_build_object("
      + "'product_id', $4::text, 'on_hand', x.on_hand, 'reserved', x.held, 'sold', x.sold, "
      + "'available', x.on_hand - x.held - x.sold)) "
      + "FROM (SELECT gen_random_uuid() AS event_id, t.* FROM t) x) "
      + "SELECT r.reserved_until FROM r";

  // ---- batched single-line reserves of one product

  /** The product's per-buyer limit (null when none) and its free units (no lock). */
  static final String BATCH_LIMIT_AND_AVAILABLE =
    "SELECT (SELECT per_buyer FROM inventory.purchase_limit WHERE product_id = $1) AS per_buyer, "
      + "(SELECT coalesce(sum(on_hand - held - sold), 0)::int FROM inventory.stock_bucket WHERE product_id = $1) AS available";

  /** Of the requests ($1 ids, $2 orders), those that need a look of their own: id known, or order cancelled. */
  static final String BATCH_KNOWN =
    "SELECT x.id FROM unnest($1::uuid[], $2::uuid[]) AS x(id, o) "
      + "WHERE EXISTS (SELECT 1 FROM inventory.reservation r WHERE r.id = x.id) "
      + "OR EXISTS (SELECT 1 FROM inventory.cancelled_order c WHERE c.order_id = x.o)";

  static final String BATCH_INSERT_RESERVATIONS =
    "INSERT INTO inventory.reservation (id, order_id, buyer_id, status, reserved_until) "
      + "SELECT x.id, x.o, x.b, 'HELD', now() + x.ttl * interval '1 second' "
      + "FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::int[]) AS x(id, o, b, ttl) "
      + "WHERE NOT EXISTS (SELECT 1 FROM inventory.cancelled_order c WHERE c.order_id = x.o) "
      + "ON CONFLICT (id) DO NOTHING RETURNING id, reserved_until";

  /** Adds units of product $1 to distinct buyers' usage ($2 sorted) unless past the limit $4; the buyers counted. */
  static final String BATCH_ADD_USAGE =
    "INSERT INTO inventory.buyer_usage AS u (buyer_id, product_id, units) "
      + "SELECT x.b, $1, x.q FROM unnest($2::uuid[], $3::int[]) AS x(b, q) WHERE x.q <= $4 "
      + "ON CONFLICT (buyer_id, product_id) DO UPDATE SET units = u.units + EXCLUDED.units "
      + "WHERE u.units + EXCLUDED.units <= $4 RETURNING buyer_id";

  static final String BATCH_RETURN_USAGE =
    "UPDATE inventory.buyer_usage u SET units = u.units - x.q FROM unnest($2::uuid[], $3::int[]) AS x(b, q) "
      + "WHERE u.buyer_id = x.b AND u.product_id = $1";

  static final String BATCH_DELETE_RESERVATIONS =
    "DELETE FROM inventory.reservation WHERE id = ANY($1::uuid[])";

  /**
   * Up to $2 of the product's buckets with free units that nobody else holds locked, starting at
   * bucket $3, so that several batches of one product run side by side. Never waits for a lock.
   */
  static final String BATCH_LOCK_FREE_BUCKETS =
    "SELECT bucket, on_hand - held - sold AS free FROM inventory.stock_bucket "
      + "WHERE product_id = $1 AND on_hand - held - sold > 0 ORDER BY bucket < $3, bucket LIMIT $2 FOR UPDATE SKIP LOCKED";

  static final String BATCH_FINISH =
    "WITH lines AS (INSERT INTO inventory.reservation_line (reservation_id, product_id, quantity, counted) "
      + "SELECT r, $1, q, $4 FROM unnest($2::uuid[], $3::int[]) AS l(r, q)), "
      + "allocations AS (INSERT INTO inventory.reservation_allocation (reservation_id, product_id, bucket, quantity) "
      + "SELECT r, $1, b, q FROM unnest($5::uuid[], $6::int[], $7::int[]) AS a(r, b, q)) "
      + stockChangedEvents("ARRAY[$1::uuid]");

  // ---- settle (commit, release, expire, return)

  /** Gives back a reservation's buyer usage, locking the rows in product order. */
  static final String RETURN_USAGE =
    "UPDATE inventory.buyer_usage u SET units = u.units - s.quantity FROM ("
      + "SELECT u2.buyer_id, u2.product_id, l.quantity FROM inventory.buyer_usage u2 "
      + "JOIN inventory.reservation r ON r.id = $1 AND u2.buyer_id = r.buyer_id "
      + "JOIN inventory.reservation_line l ON l.reservation_id = $1 AND l.product_id = u2.product_id AND l.counted "
      + "ORDER BY u2.product_id FOR UPDATE OF u2) s "
      + "WHERE u.buyer_id = s.buyer_id AND u.product_id = s.product_id";

  private static String moveBuckets(String set) {
    return "UPDATE inventory.stock_bucket b SET " + set + " FROM ("
      + "SELECT b2.product_id, b2.bucket, a.quantity FROM inventory.stock_bucket b2 "
      + "JOIN inventory.reservation_allocation a ON a.reservation_id = $1 AND a.product_id = b2.product_id AND a.bucket = b2.bucket "
      + "ORDER BY b2.product_id, b2.bucket FOR UPDATE OF b2) s "
      + "WHERE b.product_id = s.product_id AND b.bucket = s.bucket";
  }

  static final String HELD_TO_SOLD = moveBuckets("held = b.held - s.quantity, sold = b.sold + s.quantity");
  static final String HELD_TO_FREE = moveBuckets("held = b.held - s.quantity");
  static final String SOLD_TO_FREE = moveBuckets("sold = b.sold - s.quantity");

  // ---- batched commits (group commit of inventory.commit)

  static final String LOCK_RESERVATIONS_MANY =
    "SELECT id, status FROM inventory.reservation WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE";

  /** HELD → sold for the allocations of many reservations ($1), bucket rows locked in (product, bucket) order. */
  static final String HELD_TO_SOLD_MANY =
    "UPDATE inventory.stock_bucket b SET held = b.held - s.quantity, sold = b.sold + s.quantity FROM ("
      + "SELECT b2.product_id, b2.bucket, x.quantity FROM inventory.stock_bucket b2 "
      + "JOIN (SELECT product_id, bucket, sum(quantity)::int AS quantity FROM inventory.reservation_allocation "
      + "WHERE reservation_id = ANY($1::uuid[]) GROUP BY product_id, bucket) x ON x.product_id = b2.product_id AND x.bucket = b2.bucket "
      + "ORDER BY b2.product_id, b2.bucket FOR UPDATE OF b2) s "
      + "WHERE b.product_id = s.product_id AND b.bucket = s.bucket";

  static final String SET_COMMITTED_MANY =
    "UPDATE inventory.reservation SET status = 'COMMITTED', updated_at = now() WHERE id = ANY($1::uuid[])";

  static final String RESERVATIONS_STOCK_EVENTS =
    stockChangedEvents("(SELECT array_agg(DISTINCT product_id) FROM inventory.reservation_line WHERE reservation_id = ANY($1::uuid[]))");

  static final String SET_STATUS =
    "UPDATE inventory.reservation SET status = $2, reason = coalesce($3, reason), updated_at = now() WHERE id = $1";

  /** StockChanged events for the products of reservation $1 (none for a tombstone). */
  static final String RESERVATION_STOCK_EVENTS =
    stockChangedEvents("(SELECT array_agg(product_id) FROM inventory.reservation_line WHERE reservation_id = $1)");

  static final String INSERT_TOMBSTONE =
    "INSERT INTO inventory.reservation (id, status, reason) VALUES ($1, 'RELEASED', $2) ON CONFLICT (id) DO NOTHING";

  // ---- expiry and cancelled orders

  static final String EXPIRED_CANDIDATES =
    "SELECT id FROM inventory.reservation WHERE status = 'HELD' AND reserved_until <= now() "
      + "ORDER BY reserved_until LIMIT $1";

  /** Takes one expired reservation unless another node is on it already. */
  static final String LOCK_EXPIRED =
    "SELECT id FROM inventory.reservation WHERE id = $1 AND status = 'HELD' AND reserved_until <= now() "
      + "FOR UPDATE SKIP LOCKED";

  static final String INSERT_CONSUMED_EVENT =
    "INSERT INTO inventory.consumed_event (event_id) VALUES ($1) ON CONFLICT DO NOTHING";

  static final String INSERT_CANCELLED_ORDER =
    "INSERT INTO inventory.cancelled_order (order_id) VALUES ($1) ON CONFLICT DO NOTHING";

  static final String ORDER_RESERVATIONS_FOR_UPDATE =
    "SELECT id, status FROM inventory.reservation WHERE order_id = $1 AND status IN ('HELD', 'COMMITTED') "
      + "ORDER BY id FOR UPDATE";

  // ---- stock levels

  static final String UPSERT_WAREHOUSE_STOCK =
    "INSERT INTO inventory.warehouse_stock (product_id, warehouse, quantity) VALUES ($1, $2, $3) "
      + "ON CONFLICT (product_id, warehouse) DO UPDATE SET quantity = EXCLUDED.quantity, updated_at = now()";

  static final String TOTAL_WAREHOUSE_STOCK =
    "SELECT coalesce(sum(quantity), 0)::int AS total FROM inventory.warehouse_stock WHERE product_id = $1";

  static final String ENSURE_BUCKETS =
    "INSERT INTO inventory.stock_bucket (product_id, bucket) SELECT $1, g FROM generate_series(0, $2 - 1) AS g "
      + "ON CONFLICT DO NOTHING";

  static final String SET_BUCKETS_ON_HAND =
    "UPDATE inventory.stock_bucket b SET on_hand = x.on_hand "
      + "FROM unnest($2::int[], $3::int[]) AS x(bucket, on_hand) WHERE b.product_id = $1 AND b.bucket = x.bucket";

  static final String PRODUCT_TOTALS =
    "SELECT sum(on_hand)::int AS on_hand, sum(held)::int AS held, sum(sold)::int AS sold "
      + "FROM inventory.stock_bucket WHERE product_id = $1";

  static final String UPSERT_LIMIT =
    "INSERT INTO inventory.purchase_limit (product_id, per_buyer) VALUES ($1, $2) "
      + "ON CONFLICT (product_id) DO UPDATE SET per_buyer = EXCLUDED.per_buyer";

  static final String DELETE_LIMIT = "DELETE FROM inventory.purchase_limit WHERE product_id = $1";

  private InventorySql() {
  }
}
