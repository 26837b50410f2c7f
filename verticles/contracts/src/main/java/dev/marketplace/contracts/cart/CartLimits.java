package dev.marketplace.contracts.cart;

import io.vertx.core.json.JsonObject;

/**
 * The cart's limits from its config section ({@code cart.*}): they bound what a request may ask
 * (quantity, length of an accepted-prices list), so the cart and the gateway, which decodes the
 * HTTP body with the same codec, read them from the same place.
 *
 * @param maxQuantityPerLine the most units of one product in a cart ({@code max_quantity_per_line}, 99)
 * @param maxLines           the most distinct products in a cart ({@code max_lines}, 100)
 */
public record CartLimits(int maxQuantityPerLine, int maxLines) {
  public static final CartLimits DEFAULT = new CartLimits(99, 100);

  /** The limits of the {@code cart} config section ({@link #DEFAULT} for what it leaves out). */
  public static CartLimits from(JsonObject cartSection) {
    JsonObject section = cartSection == null ? new JsonObject() : cartSection;
    return new CartLimits(section.getInteger("max_quantity_per_line", DEFAULT.maxQuantityPerLine()),
      section.getInteger("max_lines", DEFAULT.maxLines()));
  }
}
