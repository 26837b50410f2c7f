package dev.marketplace.contracts.catalog;

/**
 * The catalog's operations on the event bus. Bodies and replies are JSON objects; ids are UUID
 * strings except category ids (small integers); money is {@code {"amount", "currency"}}.
 *
 * <p>A product as every reply shows it:
 * {@code {id, seller_id, title, description, brand, category:{id, name, slug}, price:{amount, currency},
 * attributes:{...}, rating, review_count, popularity, available, in_stock, created_at, updated_at}}.
 * {@code available} is catalog's copy of inventory's figure (from {@code inventory.events}
 * {@code StockChanged}); a product inventory never mentioned has 0.
 */
public final class CatalogAddresses {

  /** {@code {}} → {@code {categories:[{id, slug, name, name_en, children:[...]}]}}: the whole tree. Anyone. */
  public static final String CATEGORIES = "catalog.categories";

  /**
   * Search. Body: the query parameters as strings, exactly as a client sent them (every one
   * optional): {@code q, category, brand, price_min, price_max, in_stock, sort, limit, cursor}.
   * Reply: {@code {items:[product...], facets:{brand:[{value, count}], category:[{value, name, count}],
   * price:[{min, max, count}], exact:true}, next_cursor, corrected_query?}}. Answered by the
   * catalog instance's own Lucene index, a read model of the products that follows every change
   * (own edits, stock from {@code inventory.events}) within about a second; every instance answers alike.
   * <ul>
   *   <li>{@code q}: every word must match (Russian and English stemming, ё = е, any case) in title
   *   (weighted highest), brand, description or attributes; at most 200 characters. When it finds
   *   nothing, words the index does not know are replaced by the closest words of its vocabulary and
   *   the search runs again (the reply then names the {@code corrected_query}); failing that, words
   *   may differ by one or two letters.</li>
   *   <li>{@code category}: a category id; matches it and all its subcategories.
   *   {@code brand}: exact brand name. {@code price_min}/{@code price_max}: minor units, inclusive.
   *   {@code in_stock=true}: only products with available &gt; 0 ({@code false}: no filter).</li>
   *   <li>{@code sort}: relevance (default with q), popular (default without), price_asc,
   *   price_desc, new. {@code limit}: 1..100, default 20.</li>
   *   <li>{@code cursor}: the previous reply's {@code next_cursor}, opaque and signed with
   *   {@code catalog.cursor_secret} (valid on any instance sharing it); valid only with the same q,
   *   filters and sort. Keyset pagination: items added meanwhile never make a page repeat or skip
   *   an item. {@code next_cursor} is null on the last page.</li>
   *   <li>Facets count every product matching q and the filters, exactly: the 30 biggest brands,
   *   every category (by the product's own category), and five price ranges ({@code max}
   *   exclusive, null for the last). {@code exact} is always true (kept for older clients).</li>
   * </ul>
   * Fails VALIDATION_FAILED with {@code errors:[{field, message}]} for any bad parameter,
   * including a cursor that was not issued by the catalog or belongs to another query;
   * SERVICE_UNAVAILABLE while the instance builds its first index.
   */
  public static final String SEARCH = "catalog.products.search";

  /**
   * {@code {id}} → product. NOT_FOUND for unknown or deleted products. Anyone. Served from the
   * catalog's memory (as fresh as search: stock at most about a second behind).
   */
  public static final String GET = "catalog.products.get";

  /**
   * <em>For the gateway.</em> {@code {id}} → the product as JSON bytes (a {@code Buffer}, the same
   * JSON as {@link #GET}) with reply header {@link #ETAG_HEADER}: a strong ETag of exactly those
   * bytes. Failures as {@link #GET}.
   */
  public static final String CARD = "catalog.products.card";

  /** The reply header of {@link #CARD} that carries the card's ETag (quoted, as HTTP sends it). */
  public static final String ETAG_HEADER = "etag";

  /**
   * Suggestions while typing: {@code {q, limit?}} (q 1..100 characters, limit 1..20, default 10;
   * strings as the client sent them) → {@code {suggestions:[{text, kind, id?}]}}, kind
   * {@code query} (a completed search), {@code brand}, {@code category} (with its id) or
   * {@code product} (with its id). Prefix and typo tolerant, popularity weighted.
   * VALIDATION_FAILED for bad parameters; SERVICE_UNAVAILABLE while the first index is built.
   */
  public static final String SUGGEST = "catalog.suggest";

  /**
   * <em>Internal.</em> {@code {}} → {@code {state:"building"|"ready"|"rebuilding", generation?,
   * products?, build?:{generation, indexed}, last_build_ms?, node}}: this instance's search index.
   * Sent to one instance (point-to-point): use it for one node's state, not the cluster's.
   */
  public static final String INDEX_STATUS = "catalog.index.status";

  /**
   * A seller lists a product. Caller: role seller (or admin). Body
   * {@code {product:{title, description?, brand, category_id, price:{amount, currency}, attributes?}}}
   * → the product (its {@code seller_id} is the caller). Unknown fields are refused.
   * Publishes {@code ProductCreated} on {@code catalog.events}.
   */
  public static final String CREATE = "catalog.products.create";

  /**
   * Replaces a product's listing: body {@code {id, product:{...same fields as create...}}} → the
   * product. Only its seller (or an admin); anyone else's or a deleted product is NOT_FOUND.
   * Publishes {@code ProductUpdated}.
   */
  public static final String UPDATE = "catalog.products.update";

  /**
   * {@code {id}} → {@code {id, deleted:true}}. Only its seller (or an admin); NOT_FOUND otherwise.
   * Soft delete: the product leaves search and {@code get}, and {@link #SNAPSHOT} shows it with
   * {@code deleted:true}. Publishes {@code ProductDeleted}.
   */
  public static final String DELETE = "catalog.products.delete";

  /**
   * <em>Internal.</em> {@code {product_ids:[...]}} (at most 500 UUIDs) →
   * {@code {products:[{id, title, seller_id, price:{amount, currency}, deleted}]}}: current data;
   * unknown ids are simply absent; a deleted product is present with {@code deleted:true}.
   */
  public static final String SNAPSHOT = "catalog.products.snapshot";

  /** Most ids {@link #SNAPSHOT} takes in one request. */
  public static final int SNAPSHOT_MAX_IDS = 500;

  /** Event types on {@code catalog.events} (key product id); data is the product as above. */
  public static final String PRODUCT_CREATED = "ProductCreated";
  public static final String PRODUCT_UPDATED = "ProductUpdated";
  /** data: {@code {id, seller_id}}. */
  public static final String PRODUCT_DELETED = "ProductDeleted";

  /** The event catalog reads from {@code inventory.events}: {@code {product_id, on_hand, reserved, sold, available}}. */
  public static final String STOCK_CHANGED = "StockChanged";

  private CatalogAddresses() {
  }
}
