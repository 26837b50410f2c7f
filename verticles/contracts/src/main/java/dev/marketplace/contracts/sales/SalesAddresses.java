package dev.marketplace.contracts.sales;

/**
 * The sales component: big sales with a waiting room. An admin declares a sale on some products;
 * while it runs, {@code checkout.start} for a cart holding one of them asks {@link #ADMIT} first,
 * and buyers are let through at the sale's {@code admit_per_second}, first come first served by
 * ticket, cluster-wide.
 *
 * <p>A sale: {@code {id, product_ids, starts_at, ends_at, admit_per_second, status, created_at}} with
 * {@code status} SCHEDULED, ACTIVE, SOLD_OUT or ENDED.
 */
public final class SalesAddresses {

  /**
   * Admin: {@code {product_ids:[1..50 UUIDs], starts_at, ends_at?, admit_per_second}} → the sale (201).
   * VALIDATION_FAILED (400, {@code errors}) for an unknown or deleted product (asked of catalog), an
   * {@code ends_at} not after both now and {@code starts_at}, a rate outside 1..100000, unknown fields.
   * FORBIDDEN for a caller without the admin role.
   */
  public static final String CREATE = "sales.create";

  /**
   * Admin: {@code {sale_id}} → the sale plus the operator's view {@code {admitted, queued, expired,
   * sold, available, refused: {<reason>: n}}}; NOT_FOUND for an unknown id. Counts are cluster-wide
   * (from PostgreSQL); refusals reported by checkout nodes arrive within about a second.
   */
  public static final String GET = "sales.get";

  /**
   * <em>Internal</em> (checkout): {@code {buyer_id, product_ids, queue_ticket?}} →
   * {@code {admitted: true, sale_id}} or {@code {admitted: false, sale_id, queue_ticket, position,
   * retry_after_ms}}.
   * <ul>
   *   <li>No active sale on the products: {@code {admitted: true}} (nothing to queue for).</li>
   *   <li>Without a ticket the buyer gets one (or their own again: one ticket per buyer and sale);
   *   with a ticket, it must be the caller's ticket of this sale: QUEUE_TICKET_INVALID otherwise;
   *   QUEUE_TICKET_EXPIRED after {@code sales.ticket_ttl_seconds} (asking without it queues anew).</li>
   *   <li>OUT_OF_STOCK (extra {@code product_ids}, {@code sale_id}) once the sale's products are all
   *   sold out: everyone still queued is told so on their next try.</li>
   * </ul>
   */
  public static final String ADMIT = "sales.admit";

  /**
   * <em>Published</em> by every sales node every {@code sales.broadcast_ms} (500) and on each change:
   * {@code {sales: [{id, product_ids, starts_at, ends_at}], at}}, the sales that run now or start
   * within a minute. A checkout node asks {@link #ADMIT} only for carts holding one of those products,
   * so a checkout outside a sale pays nothing; a node that heard nothing for a few seconds forgets.
   */
  public static final String ACTIVE = "sales.active";

  /**
   * <em>Send</em> (no reply) by checkout nodes about once a second: {@code {counts: [{sale_id,
   * reason, n}]}}, refusals of sale checkouts made without asking sales (OUT_OF_STOCK from the
   * sold-out set, TOO_MANY_OPEN_CHECKOUTS, ...), added to the sale's operator view.
   */
  public static final String REPORT = "sales.report";

  private SalesAddresses() {
  }
}
