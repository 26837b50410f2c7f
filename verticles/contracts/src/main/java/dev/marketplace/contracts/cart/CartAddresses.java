package dev.marketplace.contracts.cart;

/**
 * The cart component's event bus operations. Bodies and replies are JSON objects; failures are
 * coded {@code ReplyException}s ({@code ServiceFailure}).
 *
 * <h2>Who owns which cart</h2>
 * A caller with {@code x-user-id} works on that user's one cart (created on the first write); a
 * caller without one is a guest and works on the guest cart named by the {@link #GUEST_CART_HEADER}
 * bus header (the HTTP {@code X-Cart-Id}). A guest cart id is a server-issued secret of 256 random
 * bits (43 base64url characters); only its SHA-256 is stored. A user's request ignores the guest
 * header. A guest id that names no guest cart (unknown, expired, merged, malformed, or a user
 * cart's id) is NOT_FOUND, and so is every product not in the caller's cart: a caller can never
 * reach another's cart.
 *
 * <h2>The cart view</h2>
 * Every operation the gateway exposes replies with the whole cart at current catalog prices:
 * <pre>{@code
 * {id, kind: "guest"|"user", currency, item_count, price_changed,
 *  items: [{product_id, title, quantity, price, seen_price, price_changed, line_total,
 *           available, deleted}],
 *  total}
 * }</pre>
 * {@code id} is the guest cart id (= X-Cart-Id) for guests and the cart's UUID for users (the
 * {@code cart_id} of checkout); it is {@code null} while the caller has no cart yet.
 * {@code price} is the current catalog price ({@code null} for a product the catalog deleted or no
 * longer knows, flagged {@code deleted: true} and left out of {@code total}); {@code seen_price}
 * the price the buyer last saw; {@code price_changed} is true when they differ. {@code available}
 * is inventory's available stock, {@code null} when inventory did not answer in time.
 *
 * <h2>When a price counts as seen</h2>
 * Adding a product that is not yet in the cart records its current price as seen (the reply shows
 * it). Reading the cart does not: a changed price stays flagged until the buyer acknowledges it
 * with {@link #ACCEPT_PRICES}, sending back the prices they were shown. Changing a quantity does
 * not acknowledge a price either. {@link #CHECKOUT_VIEW} refuses a cart with any flagged line.
 *
 * <h2>Repeats</h2>
 * A write that carries {@code x-request-id} ({@code BusHeaders.REQUEST_ID}) is applied once per id:
 * a repeat with the same id changes nothing and answers the cart as it is now ({@code created} as
 * the first answer had it; a guest cart made by the request keeps its id). Without the header each
 * request is applied.
 *
 * <h2>Limits</h2>
 * Quantities are integers 1..{@code cart.max_quantity_per_line} (config, default 99); a cart
 * holds at most {@code cart.max_lines} products (default 100). Beyond them: VALIDATION_FAILED
 * (quantity) or CONFLICT (lines, extra {@code max_lines}).
 */
public final class CartAddresses {

  /**
   * Bus header carrying a guest's cart id (the HTTP {@code X-Cart-Id}); ignored for users.
   */
  public static final String GUEST_CART_HEADER = "x-cart-id";

  /**
   * {@code {}} → the cart view. A caller without a cart (a guest without the header, a user who
   * never wrote) gets an empty view with {@code id: null}; nothing is created. NOT_FOUND for a
   * guest id that names no guest cart.
   */
  public static final String GET = "cart.get";

  /**
   * {@code {product_id, quantity}} → the cart view, plus {@code created: true} when this request
   * created the caller's cart (a guest learns its new id from {@code id}). Adds to the line when the
   * product is already in the cart. VALIDATION_FAILED (bad id or quantity, or the sum beyond the
   * per-line limit); NOT_FOUND (no such product, or a guest id that names no cart: a guest sends
   * no header to start a new cart); ILLEGAL_STATE (the product was deleted, or is priced in
   * another currency than the cart's); CONFLICT (the cart is full, extra {@code max_lines}).
   */
  public static final String ADD_ITEM = "cart.add-item";

  /**
   * {@code {product_id, quantity}} → the cart view; sets the line's quantity (use
   * {@link #REMOVE_ITEM} to drop it: zero is refused). NOT_FOUND when the product is not in the
   * caller's cart.
   */
  public static final String UPDATE_ITEM = "cart.update-item";

  /** {@code {product_id}} → the cart view. NOT_FOUND when the product is not in the caller's cart. */
  public static final String REMOVE_ITEM = "cart.remove-item";

  /**
   * {@code {items: [{product_id, price: {amount, currency}}]}} → the cart view. The buyer
   * acknowledges the prices they were shown: each line's seen price becomes the given one. All or
   * nothing: PRICE_CHANGED (extra {@code product_ids}) when a given price is no longer the current
   * one (read the cart again); ILLEGAL_STATE for a deleted product; NOT_FOUND for a product not in
   * the cart. Idempotent.
   */
  public static final String ACCEPT_PRICES = "cart.accept-prices";

  /**
   * User only: {@code {guest_cart_id}} → the user's cart view plus
   * {@code merge: {capped_product_ids, dropped_product_ids}}. The guest cart's lines are added to
   * the user's cart (creating it if needed): quantities of a product in both add up to the per-line
   * limit ({@code capped_product_ids}); new products are added while the cart has room, the rest
   * are {@code dropped_product_ids}; a product in both keeps the more recently seen price. The
   * guest cart is then deleted. Idempotent: the same user merging the same guest id again gets
   * the cart view unchanged; anyone else gets NOT_FOUND, as does a guest id that names no guest
   * cart. UNAUTHORIZED without a user.
   */
  public static final String MERGE = "cart.merge";

  /**
   * <i>Internal</i> (checkout). {@code {cart_id, user_id}} →
   * {@code {cart_id, currency, lines: [{product_id, seller_id, title, quantity, unit_price,
   * price_changed}], total}} at current catalog prices. NOT_FOUND when the cart is not that user's;
   * CART_EMPTY when it has no lines; OUT_OF_STOCK (extra {@code product_ids}) when a line's product
   * was deleted from the catalog; PRICE_CHANGED (extra {@code product_ids}) when a line's current
   * price differs from the price the buyer last saw. A catalog timeout or absence travels on as
   * TIMEOUT / SERVICE_UNAVAILABLE. Read only.
   */
  public static final String CHECKOUT_VIEW = "cart.checkout-view";

  /**
   * <i>Internal</i> (checkout). {@code {cart_id, user_id, order_id}} → {@code {}}: empties the
   * cart after an order was placed. Idempotent by {@code order_id}: a retry changes nothing, even
   * if the buyer has added products since. NOT_FOUND when the cart is not that user's.
   */
  public static final String CLEAR = "cart.clear";

  private CartAddresses() {
  }
}
