package dev.marketplace.cart;

import dev.marketplace.contracts.Money;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Map;
import java.util.UUID;

/** The cart as callers see it (see {@code CartAddresses}): stored lines at current catalog prices. */
final class CartView {
  static final String GUEST = "guest";
  static final String USER = "user";

  private CartView() {
  }

  /** A caller who has no cart yet. */
  static JsonObject empty(String kind, String currency) {
    return render(null, kind, currency, List.of(), Map.of(), Map.of());
  }

  /**
   * @param publicId     the id the caller knows the cart by (guest id or the cart's UUID), or null
   * @param products     the catalog's current data; a line whose product is absent or deleted is shown as deleted
   * @param availability available stock per product; absent entries show {@code available: null}
   */
  static JsonObject render(String publicId, String kind, String currency, List<CartLine> lines,
                           Map<UUID, CatalogProduct> products, Map<UUID, Long> availability) {
    JsonArray items = new JsonArray();
    long total = 0;
    long units = 0;
    boolean anyPriceChanged = false;
    for (CartLine line : lines) {
      CatalogProduct product = products.get(line.productId());
      boolean deleted = product == null || product.deleted();
      Money price = deleted ? null : product.price();
      boolean priceChanged = price != null && !price.equals(line.seenPrice());
      // a line priced in another currency than the cart's cannot be summed; it is flagged as changed
      Long lineTotal = price == null || !price.currency().equals(currency) ? null : Math.multiplyExact(price.amount(), (long) line.quantity());
      if (lineTotal != null) {
        total = Math.addExact(total, lineTotal);
      }
      units += line.quantity();
      anyPriceChanged |= priceChanged;
      String title = product != null && product.title() != null && !product.title().isEmpty() ? product.title() : line.title();
      items.add(new JsonObject()
        .put("product_id", line.productId().toString())
        .put("title", title)
        .put("quantity", line.quantity())
        .put("price", price == null ? null : price.toJson())
        .put("seen_price", line.seenPrice().toJson())
        .put("price_changed", priceChanged)
        .put("line_total", lineTotal == null ? null : new Money(lineTotal, currency).toJson())
        .put("available", availability.get(line.productId()))
        .put("deleted", deleted));
    }
    return new JsonObject()
      .put("id", publicId)
      .put("kind", kind)
      .put("currency", currency)
      .put("item_count", units)
      .put("price_changed", anyPriceChanged)
      .put("items", items)
      .put("total", new Money(total, currency).toJson());
  }
}
