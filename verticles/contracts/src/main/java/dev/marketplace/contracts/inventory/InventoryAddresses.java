package dev.marketplace.contracts.inventory;

/**
 * The inventory component's event bus operations. Bodies and replies are JSON objects; ids are
 * UUID strings; instants ISO-8601. Failures are coded {@code ReplyException}s ({@code ErrorCode}).
 *
 * <p>Stock of a product is the sum over its warehouses; inside, the component splits it into
 * buckets so that concurrent reservations of one hot product do not queue on one row. Whatever
 * the concurrency, {@code held + sold <= on_hand} for every product.
 *
 * <p>Events on {@code inventory.events} (key {@code product_id}), one after every change of a
 * product's stock: {@code StockChanged {product_id, on_hand, reserved, sold, available}}.
 * Inventory consumes {@code orders.events} {@code OrderCancelled} (group {@code inventory}) and
 * releases that order's held reservation (a committed one goes back to stock).
 */
public final class InventoryAddresses {

  /**
   * <em>Internal.</em> {@code {reservation_id, order_id, buyer_id, lines:[{product_id, quantity}], ttl_seconds?}}
   * → {@code {reservation_id, status:"HELD", reserved_until}}.
   * <ul>
   *   <li>All lines or none; a product may appear once; quantity 1..10000; at most 100 lines;
   *   {@code ttl_seconds} 1..86400, default {@code inventory.default_ttl_seconds} (900).</li>
   *   <li>OUT_OF_STOCK with extra {@code product_ids} (the lines that could not be held; unknown
   *   products count as out of stock).</li>
   *   <li>PURCHASE_LIMIT_EXCEEDED with extra {@code product_ids} when the buyer's held + committed
   *   units of a product would exceed its per-buyer limit (checked under a lock per buyer and
   *   product, so concurrent checkouts of one buyer cannot slip past it).</li>
   *   <li>Idempotent by {@code reservation_id}: the same id again answers the reservation as it is
   *   ({@code status} HELD or COMMITTED, the original {@code reserved_until}) and holds nothing
   *   more. An id that was released (also a tombstone left by {@link #RELEASE} of an unknown id)
   *   or expired is refused with ILLEGAL_STATE and holds nothing; so is a reserve for an order
   *   whose {@code OrderCancelled} inventory has already seen.</li>
   * </ul>
   */
  public static final String RESERVE = "inventory.reserve";

  /**
   * <em>Internal.</em> {@code {reservation_id}} → {@code {reservation_id, status:"COMMITTED"}}: the
   * held stock is sold for good. Idempotent. A HELD reservation can be committed until the expiry
   * job has released it (even a little after {@code reserved_until}). NOT_FOUND for an unknown id;
   * ILLEGAL_STATE when released or expired.
   */
  public static final String COMMIT = "inventory.commit";

  /**
   * <em>Internal.</em> {@code {reservation_id, reason?}} → {@code {reservation_id, status:"RELEASED"}}.
   * Idempotent. Releasing an unknown id records a tombstone, so a late reserve with that id holds
   * nothing. ILLEGAL_STATE when already committed.
   */
  public static final String RELEASE = "inventory.release";

  /**
   * <em>Internal.</em> {@code {product_ids:[...]}} (at most 500) → {@code {items:[{product_id, available, sold}]}},
   * one item per asked id in the order asked; unknown products have {@code available: 0}.
   */
  public static final String AVAILABILITY = "inventory.availability";

  /**
   * Seller (own products) or admin: {@code {product_id, warehouse, quantity}} → {@code {product_id,
   * warehouse, quantity, on_hand, reserved, sold, available}}. Sets the on-hand quantity of one
   * warehouse (warehouse: 1..64 characters; quantity 0..10,000,000). Ownership is checked with
   * catalog's {@code catalog.products.snapshot}: a product of another seller, a deleted or an
   * unknown one is NOT_FOUND. CONFLICT when the new total on hand would be below the units
   * already held or sold.
   */
  public static final String SET_STOCK = "inventory.stock.set";

  /**
   * Seller (own products) or admin: {@code {product_id, per_buyer}} → {@code {product_id, per_buyer}}.
   * The most units one buyer may hold + buy of the product (1..1,000,000), or {@code null} to
   * remove the limit. Ownership as for {@link #SET_STOCK}.
   */
  public static final String SET_PURCHASE_LIMIT = "inventory.purchase-limit.set";

  /**
   * Seller (own products) or admin: {@code {product_id, ttl_seconds}} → {@code {product_id, ttl_seconds}}.
   * The longest a reservation of the product is held (60..86400 s, for example 300 during a sale), or
   * {@code null} to go back to the caller's TTL. A reservation of several products is held for the
   * shortest of their TTLs. Every inventory node applies a change within a second. Ownership as for
   * {@link #SET_STOCK}.
   */
  public static final String SET_RESERVATION_TTL = "inventory.reservation-ttl.set";

  /**
   * <em>Published</em> (no reply) by inventory: the products whose available stock is 0.
   * {@code {full: true, sold_out: [product_id...], at}} every {@code inventory.sold_out.snapshot_ms}
   * (500) is the whole set and replaces what a listener knew; {@code {full: false, added: [...],
   * removed: [...], at}} is a change, sent within {@code inventory.sold_out.interval_ms} (200) of the
   * commit that made it. A listener that hears no snapshot for a few seconds must forget the set
   * (platform {@code SoldOutView} does): the flag is a shortcut for refusals, never a grant; only
   * {@link #RESERVE} grants stock.
   */
  public static final String SOLD_OUT = "inventory.sold-out";

  /** The consumer group inventory reads {@code orders.events} with. */
  public static final String ORDERS_EVENTS_GROUP = "inventory";

  /** The event type on {@code inventory.events}. */
  public static final String STOCK_CHANGED = "StockChanged";

  private InventoryAddresses() {
  }
}
