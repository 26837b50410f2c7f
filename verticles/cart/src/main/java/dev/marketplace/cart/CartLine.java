package dev.marketplace.cart;

import dev.marketplace.contracts.Money;

import java.time.OffsetDateTime;
import java.util.UUID;

/**
 * A stored cart line: the product, how many, the title when added (shown when the catalog no longer
 * knows the product), and the unit price the buyer last saw.
 */
record CartLine(UUID productId, int quantity, String title, Money seenPrice, OffsetDateTime seenAt) {

  CartLine withQuantity(int newQuantity) {
    return new CartLine(productId, newQuantity, title, seenPrice, seenAt);
  }
}
