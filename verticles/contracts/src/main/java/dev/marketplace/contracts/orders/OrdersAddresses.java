package dev.marketplace.contracts.orders;

/**
 * The orders component (OMS): event bus operations. Bodies and replies are JSON objects.
 *
 * <p>An order: {@code {id, buyer_id, status, currency, lines:[{product_id, seller_id, title,
 * quantity, unit_price, line_total}], total, shipments:[{id, seller_id, status, lines}],
 * history:[{status, at, reason}], created_at, updated_at}}; money is {@code {amount, currency}}
 * in minor units. Lines are grouped into one shipment per seller.
 *
 * <p>States ({@link OrderStatus}): {@code NEW → RESERVED → PENDING_PAYMENT → PAID → SHIPPED →
 * DELIVERED}; {@code NEW, RESERVED, PENDING_PAYMENT, PAID → CANCELLED} (with a reason);
 * {@code CANCELLED → REFUNDED}. SHIPPED and DELIVERED follow the shipments: the order is SHIPPED
 * when all its shipments are, DELIVERED likewise. Every transition is in the history with time
 * and reason, and emits an event on {@code orders.events} (key {@code order_id}): OrderCreated,
 * OrderReserved, OrderAwaitingPayment, OrderPaid, OrderCancelled, OrderRefunded, OrderShipped,
 * OrderDelivered, and per shipment ShipmentShipped / ShipmentDelivered. {@code data} carries
 * {@code order_id, buyer_id, status, total} and, where it applies, {@code reason}
 * (and {@code shipment_id, seller_id} for shipment events).
 *
 * <p>Shipment states: PENDING (order not paid yet), READY_TO_SHIP (order paid), SHIPPED,
 * DELIVERED, CANCELLED (the order was cancelled before the shipment left).
 */
public final class OrdersAddresses {

  /**
   * <em>Internal.</em> {@code {order_id, buyer_id, currency, lines:[{product_id, seller_id, title,
   * quantity, unit_price}]}} → order (status NEW). {@code unit_price} is {@code {amount, currency}}
   * in the order's currency. 1..100 lines,
   * quantity 1..10000. Idempotent by {@code order_id}: the same id again answers the stored order.
   * With {@code reply: "brief"} the answer is only the order's head {@code {id, buyer_id, status,
   * currency, total, brief: true}} (no reload of lines, shipments, history), and concurrent such
   * creates share one transaction (group commit; each one still succeeds or fails alone).
   */
  public static final String CREATE = "orders.create";

  /**
   * <em>Internal.</em> {@code {order_id, to, reason?}} → order. Only the state machine's
   * transitions; ILLEGAL_STATE otherwise (SHIPPED and DELIVERED only come from shipments). Already
   * in {@code to} → the order, unchanged. {@code reason} (UPPER_SNAKE, ≤ 64 characters) is
   * required for CANCELLED: OUT_OF_STOCK, PAYMENT_DECLINED, PAYMENT_TIMEOUT, RESERVATION_EXPIRED,
   * BUYER_CANCELLED, PRICE_CHANGED, ... NOT_FOUND for an unknown order. {@code reply: "brief"}
   * answers the head only (as for {@link #CREATE}) and lets concurrent transitions share a transaction.
   */
  public static final String TRANSITION = "orders.transition";

  /** <em>Internal.</em> {@code {order_id}} → order; NOT_FOUND when unknown. */
  public static final String GET = "orders.get";

  /** Buyer: {@code {order_id}} → order; the owner or an admin, NOT_FOUND for anybody else. */
  public static final String VIEW = "orders.view";

  /**
   * Buyer: {@code {limit?, cursor?}} → {@code {items:[order...], next_cursor}}: the caller's
   * orders, newest first; limit 1..100 (default 20); {@code next_cursor} is null on the last page.
   */
  public static final String LIST = "orders.list";

  /**
   * Buyer (owner): {@code {order_id}} → order. NEW, RESERVED, PENDING_PAYMENT or PAID (with no
   * shipment gone yet) → CANCELLED with reason BUYER_CANCELLED; inventory releases the stock and
   * payment refunds a paid order when they see OrderCancelled. Already CANCELLED → the order,
   * unchanged. ILLEGAL_STATE in other states; NOT_FOUND for a foreign order.
   */
  public static final String CANCEL = "orders.cancel";

  /**
   * Seller: {@code {status?, limit?, cursor?}} → {@code {items:[{id, order_id, seller_id, status,
   * order_status, lines, total, created_at}], next_cursor}}: the caller's shipments of paid orders,
   * newest first.
   */
  public static final String SELLER_SHIPMENTS = "orders.seller.shipments";

  /**
   * Seller (own shipment): {@code {shipment_id}} → the shipment. READY_TO_SHIP → SHIPPED;
   * already SHIPPED → unchanged; ILLEGAL_STATE otherwise; NOT_FOUND for another seller's.
   */
  public static final String SHIP = "orders.shipment.ship";

  /**
   * Seller (own shipment): {@code {shipment_id}} → the shipment. SHIPPED → DELIVERED; already
   * DELIVERED → unchanged; ILLEGAL_STATE otherwise; NOT_FOUND for another seller's.
   */
  public static final String DELIVER = "orders.shipment.deliver";

  private OrdersAddresses() {
  }
}
