package dev.marketplace.orders;

/** Every SQL statement of the orders component ($n placeholders, schema-qualified). */
final class OrdersSql {
  static final String INSERT_ORDER =
    "INSERT INTO orders.orders (id, buyer_id, status, currency, total) VALUES ($1, $2, 'NEW', $3, $4) "
      + "ON CONFLICT (id) DO NOTHING RETURNING id";

  static final String INSERT_SHIPMENTS =
    "INSERT INTO orders.shipment (id, order_id, seller_id, status, total) "
      + "SELECT s, $1, sel, 'PENDING', t FROM unnest($2::uuid[], $3::uuid[], $4::bigint[]) AS x(s, sel, t)";

  static final String INSERT_LINES =
    "INSERT INTO orders.order_line (order_id, line_no, product_id, seller_id, shipment_id, title, quantity, unit_price, line_total) "
      + "SELECT $1, n, p, sel, s, t, q, u, q * u FROM unnest($2::int[], $3::uuid[], $4::uuid[], $5::uuid[], $6::text[], $7::int[], $8::bigint[]) "
      + "AS x(n, p, sel, s, t, q, u)";

  static final String INSERT_HISTORY =
    "INSERT INTO orders.order_history (order_id, status, reason) VALUES ($1, $2, $3)";

  static final String SELECT_ORDER =
    "SELECT id, buyer_id, status, currency, total, created_at, updated_at FROM orders.orders WHERE id = $1";

  static final String SELECT_ORDER_FOR_UPDATE = SELECT_ORDER + " FOR UPDATE";

  static final String SELECT_LINES =
    "SELECT product_id, seller_id, shipment_id, title, quantity, unit_price, line_total FROM orders.order_line "
      + "WHERE order_id = $1 ORDER BY line_no";

  static final String SELECT_SHIPMENTS =
    "SELECT id, seller_id, status, total, ready_at, shipped_at, delivered_at FROM orders.shipment WHERE order_id = $1 ORDER BY seller_id";

  static final String SELECT_HISTORY =
    "SELECT status, reason, at FROM orders.order_history WHERE order_id = $1 ORDER BY id";

  static final String SET_STATUS =
    "UPDATE orders.orders SET status = $2, updated_at = now() WHERE id = $1";

  static final String SHIPMENTS_READY =
    "UPDATE orders.shipment SET status = 'READY_TO_SHIP', ready_at = now() WHERE order_id = $1 AND status = 'PENDING'";

  static final String SHIPMENTS_CANCELLED =
    "UPDATE orders.shipment SET status = 'CANCELLED' WHERE order_id = $1 AND status IN ('PENDING', 'READY_TO_SHIP')";

  static final String SHIPMENT_ORDER =
    "SELECT order_id FROM orders.shipment WHERE id = $1";

  static final String SHIPMENT_FOR_UPDATE =
    "SELECT id, order_id, seller_id, status, total, ready_at, shipped_at, delivered_at FROM orders.shipment WHERE id = $1 FOR UPDATE";

  static final String SHIP =
    "UPDATE orders.shipment SET status = 'SHIPPED', shipped_at = now() WHERE id = $1";

  static final String DELIVER =
    "UPDATE orders.shipment SET status = 'DELIVERED', delivered_at = now() WHERE id = $1";

  /** How many of an order's shipments are not yet in one of the statuses $2. */
  static final String SHIPMENTS_NOT_IN =
    "SELECT count(*) AS n FROM orders.shipment WHERE order_id = $1 AND NOT (status = ANY($2::text[]))";

  /**
   * A page of a buyer's orders ($4 rows before the keyset position ($2, $3)) with, per order, its
   * lines (by line_no), shipments (by seller) and history (in order) as arrays: one query per page.
   */
  static final String BUYER_ORDERS_PAGE =
    "SELECT o.id, o.buyer_id, o.status, o.currency, o.total, o.created_at, o.updated_at, "
      + "l.l_product, l.l_seller, l.l_shipment, l.l_title, l.l_quantity, l.l_unit_price, l.l_line_total, "
      + "s.s_id, s.s_seller, s.s_status, s.s_total, s.s_shipped_at, s.s_delivered_at, h.h_status, h.h_reason, h.h_at "
      + "FROM (SELECT id, buyer_id, status, currency, total, created_at, updated_at FROM orders.orders "
      + "WHERE buyer_id = $1 AND (created_at, id) < ($2, $3) ORDER BY created_at DESC, id DESC LIMIT $4) o "
      + "LEFT JOIN LATERAL (SELECT array_agg(product_id ORDER BY line_no) AS l_product, array_agg(seller_id ORDER BY line_no) AS l_seller, "
      + "array_agg(shipment_id ORDER BY line_no) AS l_shipment, array_agg(title ORDER BY line_no) AS l_title, "
      + "array_agg(quantity ORDER BY line_no) AS l_quantity, array_agg(unit_price ORDER BY line_no) AS l_unit_price, "
      + "array_agg(line_total ORDER BY line_no) AS l_line_total FROM orders.order_line WHERE order_id = o.id) l ON true "
      + "LEFT JOIN LATERAL (SELECT array_agg(id ORDER BY seller_id) AS s_id, array_agg(seller_id ORDER BY seller_id) AS s_seller, "
      + "array_agg(status ORDER BY seller_id) AS s_status, array_agg(total ORDER BY seller_id) AS s_total, "
      + "array_agg(shipped_at ORDER BY seller_id) AS s_shipped_at, array_agg(delivered_at ORDER BY seller_id) AS s_delivered_at "
      + "FROM orders.shipment WHERE order_id = o.id) s ON true "
      + "LEFT JOIN LATERAL (SELECT array_agg(status ORDER BY id) AS h_status, array_agg(reason ORDER BY id) AS h_reason, "
      + "array_agg(at ORDER BY id) AS h_at FROM orders.order_history WHERE order_id = o.id) h ON true "
      + "ORDER BY o.created_at DESC, o.id DESC";

  static final String SELLER_SHIPMENTS =
    "SELECT s.id, s.order_id, s.seller_id, s.status, s.total, s.ready_at, o.status AS order_status, o.currency "
      + "FROM orders.shipment s JOIN orders.orders o ON o.id = s.order_id "
      + "WHERE s.seller_id = $1 AND s.ready_at IS NOT NULL AND (s.ready_at, s.id) < ($2, $3) AND ($5::text IS NULL OR s.status = $5) "
      + "ORDER BY s.ready_at DESC, s.id DESC LIMIT $4";

  static final String SHIPMENT_LINES =
    "SELECT shipment_id, product_id, seller_id, title, quantity, unit_price, line_total FROM orders.order_line "
      + "WHERE shipment_id = ANY($1::uuid[]) ORDER BY order_id, line_no";

  // ---- group commit (many orders in one statement)

  static final String INSERT_ORDERS_MANY =
    "INSERT INTO orders.orders (id, buyer_id, status, currency, total) "
      + "SELECT i, b, 'NEW', c, t FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::bigint[]) WITH ORDINALITY AS x(i, b, c, t, n) "
      + "ORDER BY n ON CONFLICT (id) DO NOTHING RETURNING id";

  static final String INSERT_SHIPMENTS_MANY =
    "INSERT INTO orders.shipment (id, order_id, seller_id, status, total) "
      + "SELECT s, o, sel, 'PENDING', t FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::bigint[]) AS x(s, o, sel, t)";

  static final String INSERT_LINES_MANY =
    "INSERT INTO orders.order_line (order_id, line_no, product_id, seller_id, shipment_id, title, quantity, unit_price, line_total) "
      + "SELECT o, n, p, sel, s, t, q, u, q * u FROM unnest($1::uuid[], $2::int[], $3::uuid[], $4::uuid[], $5::uuid[], $6::text[], "
      + "$7::int[], $8::bigint[]) AS x(o, n, p, sel, s, t, q, u)";

  static final String INSERT_HISTORY_MANY =
    "INSERT INTO orders.order_history (order_id, status, reason) "
      + "SELECT o, s, r FROM unnest($1::uuid[], $2::text[], $3::text[]) WITH ORDINALITY AS x(o, s, r, n) ORDER BY n";

  /** Locks the orders in id order (as every batch does, so two batches never deadlock on each other). */
  static final String SELECT_ORDERS_FOR_UPDATE_MANY =
    "SELECT id, buyer_id, status, currency, total FROM orders.orders WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE";

  static final String SET_STATUS_MANY =
    "UPDATE orders.orders o SET status = x.s, updated_at = now() FROM unnest($1::uuid[], $2::text[]) AS x(i, s) WHERE o.id = x.i";

  static final String SHIPMENTS_READY_MANY =
    "UPDATE orders.shipment SET status = 'READY_TO_SHIP', ready_at = now() WHERE order_id = ANY($1::uuid[]) AND status = 'PENDING'";

  static final String SHIPMENTS_CANCELLED_MANY =
    "UPDATE orders.shipment SET status = 'CANCELLED' WHERE order_id = ANY($1::uuid[]) AND status IN ('PENDING', 'READY_TO_SHIP')";

  private OrdersSql() {
  }
}
