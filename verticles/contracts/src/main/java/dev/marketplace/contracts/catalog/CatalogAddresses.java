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
   * Reply: {@code {items:[product...], facets:{brand:[{value, count}], category:[{value, name, count}], exact},
   * next_cursor, corrected_query?}}.
   * <ul>
   *   <li>{@code q}: full-text over title (weighted highest), brand and description, Russian and
   *   English; at most 200 characters. When it finds nothing, each word is replaced by the closest
   *   known word (trigram similarity) and the search runs again; the reply then names the
   *   {@code corrected_query}.</li>
   *   <li>{@code category}: a category id; matches it and all its subcategories.
   *   {@code brand}: exact brand name. {@code price_min}/{@code price_max}: minor units, inclusive.
   *   {@code in_stock=true}: only products with available &gt; 0 ({@code false}: no filter).</li>
   *   <li>{@code sort}: relevance (default with q), popular (default without), price_asc,
   *   price_desc, new. {@code limit}: 1..100, default 20.</li>
   *   <li>{@code cursor}: the previous reply's {@code next_cursor}, opaque and signed; valid only
   *   with the same q, filters and sort. Keyset pagination: items added meanwhile never make a
   *   page repeat or skip an item. {@code next_cursor} is null on the last page.</li>
   *   <li>Facets count the products matching q and every filter (not only the page): the 30 biggest
   *   brands and every category. When more than {@code catalog.facet_row_limit} products match
   *   (default 10,000) they count a sample of that size and {@code exact} is false. Facets of one
   *   query and filters may be reused for up to {@code catalog.facet_cache_ms}.</li>
   * </ul>
   * Fails VALIDATION_FAILED with {@code errors:[{field, message}]} for any bad parameter,
   * including a cursor that was not issued by the catalog or belongs to another query.
   */
  public static final String SEARCH = "catalog.products.search";

  /** {@code {id}} → product. NOT_FOUND for unknown or deleted products. Anyone. */
  public static final String GET = "catalog.products.get";

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
