package dev.marketplace.cart;

import dev.marketplace.contracts.cart.CartLimits;
import dev.marketplace.contracts.catalog.CatalogAddresses;
import io.vertx.core.json.JsonObject;

/**
 * The cart's settings from its config section ({@code cart.*}), with defaults.
 *
 * @param maxQuantityPerLine    the most units of one product in a cart ({@code max_quantity_per_line})
 * @param maxLines              the most distinct products in a cart ({@code max_lines}, at most 500:
 *                              the catalog snapshot's limit per request)
 * @param currency              the currency every cart is priced in ({@code currency})
 * @param guestTtlHours         a guest cart untouched this long is deleted ({@code guest_ttl_hours})
 * @param expiryIntervalMs      how often the expiry job runs ({@code expiry_interval_ms})
 * @param availabilityTimeoutMs how long a read waits for inventory before showing lines without
 *                              availability ({@code availability_timeout_ms})
 */
record CartSettings(int maxQuantityPerLine, int maxLines, String currency, double guestTtlHours,
                    long expiryIntervalMs, long availabilityTimeoutMs) {
  /** The catalog answers at most this many products per snapshot request. */
  static final int SNAPSHOT_LIMIT = CatalogAddresses.SNAPSHOT_MAX_IDS;

  CartSettings {
    if (maxQuantityPerLine < 1 || maxLines < 1 || maxLines > SNAPSHOT_LIMIT) {
      throw new IllegalArgumentException("cart.max_quantity_per_line must be >= 1 and cart.max_lines 1.." + SNAPSHOT_LIMIT);
    }
    if (guestTtlHours <= 0 || expiryIntervalMs < 1 || availabilityTimeoutMs < 1) {
      throw new IllegalArgumentException("cart.guest_ttl_hours, cart.expiry_interval_ms and cart.availability_timeout_ms must be positive");
    }
  }

  /** The limits a request is decoded with (the same the gateway reads). */
  CartLimits limits() {
    return new CartLimits(maxQuantityPerLine, maxLines);
  }

  static CartSettings from(JsonObject section) {
    CartLimits limits = CartLimits.from(section);
    return new CartSettings(
      limits.maxQuantityPerLine(),
      limits.maxLines(),
      section.getString("currency", "RUB"),
      section.getDouble("guest_ttl_hours", 720.0),
      section.getLong("expiry_interval_ms", 600_000L),
      section.getLong("availability_timeout_ms", 1000L));
  }
}
