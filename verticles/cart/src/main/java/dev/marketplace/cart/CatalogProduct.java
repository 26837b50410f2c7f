package dev.marketplace.cart;

import dev.marketplace.contracts.Money;

import java.util.UUID;

/** A product as the catalog's snapshot describes it now. */
record CatalogProduct(UUID id, String title, String sellerId, Money price, boolean deleted) {
}
